import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from hm.generate import generate
from hm.reader import (
    BadRows,
    image_path,
    read_articles,
    read_customers,
    read_transactions,
    validate_dataset,
)

REAL_COLUMNS = {
    "articles.csv": (
        "article_id,product_code,prod_name,product_type_no,product_type_name,product_group_name,"
        "graphical_appearance_no,graphical_appearance_name,colour_group_code,colour_group_name,"
        "perceived_colour_value_id,perceived_colour_value_name,perceived_colour_master_id,"
        "perceived_colour_master_name,department_no,department_name,index_code,index_name,"
        "index_group_no,index_group_name,section_no,section_name,garment_group_no,"
        "garment_group_name,detail_desc"
    ),
    "customers.csv": (
        "customer_id,FN,Active,club_member_status,fashion_news_frequency,age,postal_code"
    ),
    "transactions_train.csv": "t_dat,customer_id,article_id,price,sales_channel_id",
}
SIZES = {"articles": 60, "customers": 150, "transactions": 3000}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hm")
    generate(out, **SIZES, seed=7, images=True)
    return out


def csv_bytes(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in REAL_COLUMNS}


def test_same_seed_same_bytes(dataset: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", **SIZES, seed=7, images=False)
    assert "60 articles" in again
    assert csv_bytes(tmp_path / "again") == csv_bytes(dataset)


def test_same_seed_same_images(dataset: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", **SIZES, seed=7, images=True, workers=1)
    first = sorted(p.relative_to(dataset) for p in (dataset / "images").rglob("*.jpg"))
    again = tmp_path / "again"
    assert sorted(p.relative_to(again) for p in (again / "images").rglob("*.jpg")) == first
    for rel in first[:10]:  # drawn by the pool the first time, in this process now
        assert (again / rel).read_bytes() == (dataset / rel).read_bytes()


def test_other_seed_other_data(dataset: Path, tmp_path: Path) -> None:
    generate(tmp_path / "other", **SIZES, seed=8, images=False)
    assert csv_bytes(tmp_path / "other") != csv_bytes(dataset)


def test_columns_are_the_real_ones(dataset: Path) -> None:
    for name, header in REAL_COLUMNS.items():
        with (dataset / name).open(newline="") as f:
            assert ",".join(next(csv.reader(f))) == header


def test_counts_match_the_arguments(dataset: Path) -> None:
    assert len(list(read_articles(dataset))) == SIZES["articles"]
    assert len(list(read_customers(dataset))) == SIZES["customers"]
    assert len(list(read_transactions(dataset))) == SIZES["transactions"]


def test_reader_reads_it_back_without_bad_rows(dataset: Path) -> None:
    validate_dataset(dataset)
    bad = BadRows()
    articles = {a["article_id"] for a in read_articles(dataset, bad)}
    customers = {c["customer_id"] for c in read_customers(dataset, bad)}
    transactions = list(read_transactions(dataset, bad))
    assert bad.total == 0, bad.summary()
    assert {t["article_id"] for t in transactions} <= articles
    assert {t["customer_id"] for t in transactions} <= customers
    assert all(date(2018, 9, 20) <= t["t_dat"] <= date(2020, 9, 22) for t in transactions)
    assert {t["sales_channel_id"] for t in transactions} == {1, 2}
    assert all(0 < t["price"] < 0.6 for t in transactions)


def test_ids_look_like_the_real_ones(dataset: Path) -> None:
    for a in read_articles(dataset):
        assert len(a["article_id"]) == 10 and a["article_id"].startswith("0")
        assert a["article_id"][:7] == a["product_code"]
    for c in read_customers(dataset):
        assert len(c["customer_id"]) == 64 and int(c["customer_id"], 16) >= 0


def test_categories_are_consistent(dataset: Path) -> None:
    pairs: dict[str, set[tuple[object, ...]]] = defaultdict(set)
    for a in read_articles(dataset):
        pairs["department"].add((a["department_no"], a["department_name"], a["section_no"]))
        pairs["type"].add((a["product_type_no"], a["product_type_name"], a["product_group_name"]))
        pairs["colour"].add((a["colour_group_code"], a["colour_group_name"]))
        pairs["index"].add((a["index_code"], a["index_name"], a["index_group_no"]))
        pairs["section"].add((a["section_no"], a["section_name"]))
    for kind, seen in pairs.items():
        keys = [t[0] for t in seen]
        assert len(keys) == len(set(keys)), kind


def test_products_come_in_colour_variants(dataset: Path) -> None:
    per_product = Counter(a["product_code"] for a in read_articles(dataset))
    assert max(per_product.values()) >= 3
    assert len(per_product) < SIZES["articles"] * 0.8


def test_popularity_is_skewed_and_customers_buy_again(dataset: Path) -> None:
    transactions = list(read_transactions(dataset))
    sales = sorted(Counter(t["article_id"] for t in transactions).values(), reverse=True)
    assert sum(sales[:6]) > 0.3 * len(transactions)  # top 10% of the catalogue
    pairs = Counter((t["customer_id"], t["article_id"]) for t in transactions)
    assert sum(1 for n in pairs.values() if n > 1) > 0.02 * len(pairs)


def test_customer_blanks_are_common(dataset: Path) -> None:
    customers = list(read_customers(dataset))
    blank_fn = sum(c["FN"] is None for c in customers) / len(customers)
    assert 0.45 < blank_fn < 0.8
    assert all(c["age"] is None or 16 <= c["age"] <= 99 for c in customers)


def test_some_articles_lack_an_image_the_rest_are_packshot_size(dataset: Path) -> None:
    articles = list(read_articles(dataset))
    paths = [image_path(dataset, a["article_id"]) for a in articles]
    missing = sum(p is None for p in paths)
    assert 0.04 * len(articles) <= missing <= 0.1 * len(articles)
    for p in paths:
        if p is not None:
            with Image.open(p) as img:
                assert img.format == "JPEG" and img.size == (1000, 1500)


def test_colour_follows_the_colour_group(dataset: Path) -> None:
    means: list[tuple[str, np.ndarray]] = []
    for a in read_articles(dataset):
        path = image_path(dataset, a["article_id"])
        if path is None:
            continue
        with Image.open(path) as img:
            centre = np.asarray(img.reduce(10), dtype=np.float64)[45:105, 30:70]
        means.append((a["colour_group_name"], centre.reshape(-1, 3).mean(axis=0)))
    same: list[float] = []
    different: list[float] = []
    for (ca, ma), (cb, mb) in combinations(means, 2):
        (same if ca == cb else different).append(float(np.linalg.norm(ma - mb)))
    assert len(same) >= 10
    assert np.mean(same) < 0.5 * np.mean(different)


def test_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "articles.csv").write_text("article_id,prod_name\n")  # a real download, say
    with pytest.raises(FileExistsError):
        generate(tmp_path, articles=5, customers=5, transactions=5, seed=1, images=False)
    assert (tmp_path / "articles.csv").read_text() == "article_id,prod_name\n"


def test_rerun_replaces_its_own_output(tmp_path: Path) -> None:
    generate(tmp_path, articles=5, customers=5, transactions=5, seed=1, images=True)
    generate(tmp_path, articles=4, customers=5, transactions=5, seed=2, images=False)
    assert not (tmp_path / "images").exists()
    assert len(list(read_articles(tmp_path))) == 4


# Customers with tastes and a drifting trend (hm.purchases), on a dataset big enough to count.
TASTE_SIZES = {"articles": 600, "customers": 400, "transactions": 40_000}
Tastes = tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]  # articles by id, transactions


@pytest.fixture(scope="module")
def tastes(tmp_path_factory: pytest.TempPathFactory) -> Tastes:
    out = tmp_path_factory.mktemp("hm-tastes")
    generate(out, **TASTE_SIZES, seed=11, images=False)
    articles = {a["article_id"]: a for a in read_articles(out)}
    return articles, list(read_transactions(out))


def concentration(customers: list[str], values: Sequence[object], min_purchases: int = 20) -> float:
    """Mean share of a customer's purchases in their most bought value."""
    per: dict[str, Counter[object]] = defaultdict(Counter)
    for c, v in zip(customers, values, strict=True):
        per[c][v] += 1
    shares = [
        max(n.values()) / sum(n.values()) for n in per.values() if sum(n.values()) >= min_purchases
    ]
    return float(np.mean(shares))


def distance(customers: list[str], values: Sequence[object], min_purchases: int = 20) -> float:
    """Mean total variation distance between a customer's spread over the values and everyone's."""
    per: dict[str, Counter[object]] = defaultdict(Counter)
    for c, v in zip(customers, values, strict=True):
        per[c][v] += 1
    overall = Counter(values)
    distances = [
        0.5 * sum(abs(n[v] / n.total() - overall[v] / len(values)) for v in overall)
        for n in per.values()
        if n.total() >= min_purchases
    ]
    return float(np.mean(distances))


def observed_and_chance(
    tastes: Tastes, field: str, measure: Callable[[list[str], Sequence[object]], float]
) -> tuple[float, float]:
    """`measure` of `field` per customer, and the same with the purchases dealt to customers at
    random (what it would be without tastes)."""
    articles, transactions = tastes
    customers = [t["customer_id"] for t in transactions]
    values = [articles[t["article_id"]][field] for t in transactions]
    shuffled = list(np.random.default_rng(0).permutation(np.array(customers, dtype=object)))
    return measure(customers, values), measure(shuffled, values)


def test_a_customer_keeps_to_an_index_group(tastes: Tastes) -> None:
    observed, chance = observed_and_chance(tastes, "index_group_no", concentration)
    assert observed > 0.75
    assert observed > chance + 0.25


def test_a_customer_has_favourite_departments_and_colours(tastes: Tastes) -> None:
    for field in ("department_no", "colour_group_code", "graphical_appearance_no"):
        observed, chance = observed_and_chance(tastes, field, distance)
        assert observed > 1.5 * chance, field


def test_a_customer_has_a_price_level(tastes: Tastes) -> None:
    articles, transactions = tastes
    # An article's list price is the most it sold for; its level is that against the median of
    # its product type's articles.
    top: dict[str, float] = defaultdict(float)
    for t in transactions:
        top[t["article_id"]] = max(top[t["article_id"]], t["price"])
    by_type: dict[object, list[float]] = defaultdict(list)
    for code, price in top.items():
        by_type[articles[code]["product_type_no"]].append(price)
    median = {k: float(np.median(v)) for k, v in by_type.items()}
    level = {
        code: int(np.digitize(price / median[articles[code]["product_type_no"]], [0.85, 1.15]))
        for code, price in top.items()
    }
    customers = [t["customer_id"] for t in transactions]
    levels = [level[t["article_id"]] for t in transactions]
    shuffled = list(np.random.default_rng(1).permutation(np.array(customers, dtype=object)))
    assert distance(customers, levels) > 1.5 * distance(shuffled, levels)


def test_customers_buy_the_same_article_again_on_a_later_day(tastes: Tastes) -> None:
    _, transactions = tastes
    days: dict[tuple[str, str], set[date]] = defaultdict(set)
    for t in transactions:
        days[t["customer_id"], t["article_id"]].add(t["t_dat"])
    assert sum(len(d) > 1 for d in days.values()) > 0.03 * len(days)


def test_the_trend_drifts_from_week_to_week(tastes: Tastes) -> None:
    _, transactions = tastes
    start = date(2018, 9, 20)
    weeks: dict[int, Counter[str]] = defaultdict(Counter)
    for t in transactions:
        weeks[(t["t_dat"] - start).days // 28][t["article_id"]] += 1  # four-week windows

    def top(window: int) -> set[str]:
        return {a for a, _ in weeks[window].most_common(20)}

    last = max(weeks)
    near = len(top(last) & top(last - 1))  # the windows just before
    far = len(top(last) & top(last - 12))  # a year before
    assert near > far
    assert far < 10  # half of a year-old best-seller list is gone
    first_half = top(0) | top(1) | top(2)
    assert len(top(last) - first_half) >= 10  # most of today's best sellers are new
