"""Write a synthetic dataset in the H&M Kaggle layout (same files, columns and id formats).

Deterministic: the same arguments give the same bytes. Each table draws from its own seeded
stream, and each picture from streams seeded by (seed, product_code) and (seed, article_id), so
the pictures do not depend on the order or the process they are drawn in.
"""

from __future__ import annotations

import csv
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from multiprocessing import Pool
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from tqdm import tqdm

from hm import purchases
from hm import taxonomy as tx
from hm.draw import ImageSpec, render
from hm.reader import (
    ARTICLE_COLUMNS,
    ARTICLES,
    CUSTOMER_COLUMNS,
    CUSTOMERS,
    IMAGES,
    TRANSACTION_COLUMNS,
    TRANSACTIONS,
    image_file,
)

FIRST_DAY = np.datetime64("2018-09-20")
LAST_DAY = np.datetime64("2020-09-22")
PRICE_SCALE = 590.0  # the real file's prices are list prices divided by about this
NO_IMAGE_SHARE = 0.07
MARKER = ".hm-synthetic"  # marks a folder this module wrote, so a rerun may replace it
CHUNK = 250_000


class Article(NamedTuple):
    row: tuple[str, ...]  # the articles.csv fields, in ARTICLE_COLUMNS order
    shape: str
    rgb: tuple[int, int, int]
    list_price: float


def generate(
    out: Path,
    *,
    articles: int,
    customers: int,
    transactions: int,
    seed: int,
    images: bool = True,
    workers: int | None = None,
) -> str:
    """Write articles.csv, customers.csv, transactions_train.csv and (unless images=False)
    images/<first 3 digits>/<article_id>.jpg under `out`; return a one-paragraph summary."""
    if articles < 1 or customers < 1 or transactions < 0:
        raise ValueError("need at least one article and one customer")
    started = time.perf_counter()
    out = Path(out)
    _prepare(out)

    catalogue = _catalogue(articles, np.random.default_rng([seed, 1]))
    _write(out / ARTICLES, ARTICLE_COLUMNS, (a.row for a in catalogue))

    customer_ids = _customers(out / CUSTOMERS, customers, np.random.default_rng([seed, 2]))
    repeats, first, last = _transactions(
        out / TRANSACTIONS, catalogue, customer_ids, transactions, np.random.default_rng([seed, 3])
    )

    rng = np.random.default_rng([seed, 4])
    missing = round(len(catalogue) * NO_IMAGE_SHARE) if len(catalogue) > 1 else 0
    no_image = set(rng.choice(len(catalogue), missing, replace=False).tolist())
    drawn = 0
    if images:
        specs = [
            ImageSpec(a.row[0], a.row[1], a.shape, a.rgb, a.row[7], seed)
            for i, a in enumerate(catalogue)
            if i not in no_image
        ]
        _draw_all(out, specs, workers)
        drawn = len(specs)

    products = len({a.row[1] for a in catalogue})
    departments = len({a.row[14] for a in catalogue})
    types = len({a.row[3] for a in catalogue})
    picture = (
        f"{drawn} images ({len(catalogue) - drawn} articles without one)"
        if images
        else "no images (images=False)"
    )
    span = f", {first}..{last}" if transactions else ""
    return (
        f"Wrote {out}: {len(catalogue)} articles ({products} products, {departments} departments, "
        f"{types} product types), {picture}, {len(customer_ids)} customers, {transactions} "
        f"transactions ({repeats} repeat purchases{span}) in "
        f"{time.perf_counter() - started:.1f} s (seed {seed})."
    )


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise FileExistsError(f"{out} is not empty and was not written by hm.generate")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).touch()
    shutil.rmtree(out / IMAGES, ignore_errors=True)


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _weights(values: Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(values, dtype=np.float64)
    total = float(w.sum())
    return w / total


def _catalogue(n: int, rng: np.random.Generator) -> list[Article]:
    """Products (a product_code, a name, a cut) in colour variants (the article_ids)."""
    dept_p = _weights([d.weight for d in tx.DEPARTMENTS])
    colour_p = _weights([c.weight for c in tx.COLOURS])
    look_p = _weights([a.weight for a in tx.APPEARANCES])
    denim_colours = [i for i, c in enumerate(tx.COLOURS) if c.name in ("Blue", "Dark Blue",
                                                                       "Light Blue", "Black",
                                                                       "Dark Grey")]  # fmt: skip
    denim_look = next(a for a in tx.APPEARANCES if a.name == "Denim")
    # Real product codes run from 0108775 to 0959461; variants number 001, 002, 015, ...
    plan: list[tuple[tx.Department, int]] = []  # a department and a number of colour variants
    total = 0
    while total < n:
        dept = tx.DEPARTMENTS[rng.choice(len(tx.DEPARTMENTS), p=dept_p)]
        colours_there = len(denim_colours) if dept.denim else len(tx.COLOURS)
        plan.append((dept, min(int(rng.geometric(0.45)), 12, colours_there, n - total)))
        total += plan[-1][1]
    codes = np.sort(rng.choice(np.arange(108775, 959462), len(plan), replace=False))
    variant_p = _weights(1.0 / np.arange(1, 61) ** 0.7)

    rows: list[Article] = []
    for code, (dept, k) in zip(codes.tolist(), plan, strict=True):
        ptype = tx.PRODUCT_TYPES[dept.types[rng.integers(len(dept.types))]]
        index_code = dept.indexes[rng.integers(len(dept.indexes))]
        index_name, group_no = tx.INDEXES[index_code]
        style = tx.STYLE_NAMES[rng.integers(len(tx.STYLE_NAMES))]
        word = tx.STYLE_WORDS[rng.integers(len(tx.STYLE_WORDS))]
        noun = ptype.name if rng.random() < 0.5 else tx.NOUN[ptype.shape]
        name = " ".join(part for part in (style, word, noun.lower()) if part)
        if rng.random() < 0.1:
            name += f" ({rng.integers(1, 4)})"
        features = tx.FEATURES[ptype.shape]
        desc = (
            f"{tx.NOUN[ptype.shape]} in {tx.MATERIALS[rng.integers(len(tx.MATERIALS))]} "
            f"with {features[rng.integers(len(features))]}."
        )
        if rng.random() < 0.01:
            desc = ""  # the real file has a few articles without a description
        list_price = round(ptype.price * float(rng.choice([0.7, 1.0, 1.0, 1.3, 1.7])), 0) - 0.01
        if dept.denim:
            colours = rng.choice(denim_colours, k, replace=False)
        else:
            colours = rng.choice(len(tx.COLOURS), k, replace=False, p=colour_p)
        shared_look = rng.choice(len(tx.APPEARANCES), p=look_p)
        variants = np.sort(rng.choice(60, len(colours), replace=False, p=variant_p)) + 1
        for colour_i, variant in zip(colours.tolist(), variants.tolist(), strict=True):
            colour = tx.COLOURS[colour_i]
            if dept.denim and rng.random() < 0.85:
                look = denim_look
            elif rng.random() < 0.8:
                look = tx.APPEARANCES[shared_look]
            else:
                look = tx.APPEARANCES[rng.choice(len(tx.APPEARANCES), p=look_p)]
            row = (
                f"{code:07d}{variant:03d}", f"{code:07d}", name, str(ptype.no), ptype.name,
                ptype.group, str(look.no), look.name, str(colour.code), colour.name,
                str(colour.value), tx.PERCEIVED_VALUES[colour.value], str(colour.master),
                tx.PERCEIVED_MASTERS[colour.master], str(dept.no), dept.name, index_code,
                index_name, str(group_no), tx.INDEX_GROUPS[group_no], str(dept.section),
                tx.SECTIONS[dept.section], str(dept.garment_group),
                tx.GARMENT_GROUPS[dept.garment_group], desc,
            )  # fmt: skip
            rows.append(Article(row, ptype.shape, colour.rgb, list_price))
    return rows


def _hex_ids(n: int, rng: np.random.Generator) -> list[str]:
    text = rng.bytes(32 * n).hex()
    return [text[i : i + 64] for i in range(0, 64 * n, 64)]


def _customers(path: Path, n: int, rng: np.random.Generator) -> np.ndarray:
    ids = np.array(sorted(_hex_ids(n, rng)), dtype=object)
    fn = rng.random(n) < 0.35
    active = np.where(fn, rng.random(n) < 0.95, rng.random(n) < 0.01)
    status = rng.choice(
        np.array(["ACTIVE", "PRE-CREATE", "LEFT CLUB", ""], dtype=object),
        n,
        p=[0.927, 0.068, 0.0005, 0.0045],
    )
    news = np.where(
        fn,
        rng.choice(np.array(["Regularly", "Monthly"], dtype=object), n, p=[0.97, 0.03]),
        rng.choice(np.array(["NONE", "", "None"], dtype=object), n, p=[0.97, 0.025, 0.005]),
    )
    young = rng.random(n) < 0.55
    age = np.where(young, rng.normal(25, 4, n), rng.normal(50, 9, n)).clip(16, 99).astype(int)
    age_text = np.array([str(a) for a in range(100)], dtype=object)[age]
    age_text[rng.random(n) < 0.011] = ""
    postal = np.array(_hex_ids(max(1, n // 4), rng), dtype=object)
    postal_p = _weights(1.0 / (np.arange(len(postal)) + 3.0))
    postal_p[0] += 0.05  # one code shared by very many customers, as in the real file
    postal_p /= postal_p.sum()
    flag = np.array(["", "1.0"], dtype=object)
    postal_of = postal[rng.choice(len(postal), n, p=postal_p)]
    fn_text, active_text = flag[fn.astype(int)], flag[active.astype(int)]
    rows = zip(ids, fn_text, active_text, status, news, age_text, postal_of, strict=True)
    _write(path, CUSTOMER_COLUMNS, rows)
    return ids


def _day_weights(days: int) -> np.ndarray:
    day = np.arange(days)
    date = FIRST_DAY + day
    weekday = (date.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    yearday = (date - date.astype("datetime64[Y]")).astype(int)
    w = 1.0 + 0.35 * np.sin(2 * np.pi * (yearday - 80) / 365)  # summer high, winter low
    w *= np.where(weekday >= 5, 1.25, 1.0)
    w *= 1.0 + 0.2 * day / days  # a growing shop
    for peak in ("2018-11-23", "2019-11-29", "2019-06-20", "2020-06-18"):  # Black Friday, sales
        w[int((np.datetime64(peak) - FIRST_DAY).astype(int))] *= 3.0
    return _weights(w)


def _traits(catalogue: list[Article]) -> purchases.Traits:
    rows = np.array([a.row for a in catalogue], dtype=object)
    type_price = np.array([tx.PRODUCT_TYPES[int(no)].price for no in rows[:, 3]])
    ratio = np.array([a.list_price for a in catalogue]) / type_price
    return purchases.Traits(
        group=purchases.codes(rows[:, 18].astype(np.int64)),
        department=purchases.codes(rows[:, 14].astype(np.int64)),
        tier=np.digitize(ratio, [0.85, 1.15]),
        colour=purchases.codes(rows[:, 8].astype(np.int64)),
        pattern=purchases.codes(rows[:, 6].astype(np.int64)),
    )


def _transactions(
    path: Path, catalogue: list[Article], customer_ids: np.ndarray, n: int,
    rng: np.random.Generator,
) -> tuple[int, str, str]:  # fmt: skip
    """Baskets (a customer, a day, a channel) of articles drawn by hm.purchases: customers with
    tastes, articles with a weekly trend, repeats."""
    n_days = int((LAST_DAY - FIRST_DAY).astype(int)) + 1
    day_text = np.array([str(FIRST_DAY + i) for i in range(n_days)], dtype=object)
    if n == 0:
        _write(path, TRANSACTION_COLUMNS, [])
        return 0, "", ""
    traits = _traits(catalogue)
    popularity = purchases.weekly_popularity(len(catalogue), (n_days + 6) // 7, rng)
    tastes = purchases.draw_tastes(traits, popularity, len(customer_ids), rng)
    activity = _weights(rng.lognormal(0.0, 1.0, len(customer_ids)))

    sizes = rng.geometric(0.4, n)  # basket sizes, mean 2.5; more than enough baskets
    baskets = int(np.searchsorted(np.cumsum(sizes), n)) + 1
    sizes = sizes[:baskets]
    basket = np.repeat(np.arange(baskets), sizes)[:n]
    b_customer = rng.choice(len(customer_ids), baskets, p=activity)
    b_day = rng.choice(n_days, baskets, p=_day_weights(n_days))
    b_channel = np.where(rng.random(baskets) < 0.7, 2, 1)
    customer, day = b_customer[basket], b_day[basket]

    order = np.lexsort((basket, day, customer))
    basket, customer, day = basket[order], customer[order], day[order]
    article, again = purchases.draw_articles(
        traits, popularity, tastes, customer, day // 7, basket, rng
    )

    prices = np.array([a.list_price for a in catalogue])[article]
    discount = rng.choice([1.0, 0.7, 0.6, 0.5], n, p=[0.8, 0.08, 0.02, 0.1])
    price_values, price_index = np.unique(prices * discount / PRICE_SCALE, return_inverse=True)
    price_text = np.array([repr(float(p)) for p in price_values], dtype=object)

    # The real file is in date order, a customer's basket rows together.
    order = np.lexsort((basket, day))
    article_ids = np.array([a.row[0] for a in catalogue], dtype=object)
    channel_text = np.array(["", "1", "2"], dtype=object)
    # No field here can hold a comma, a quote or a newline, so rows are joined directly:
    # eight times faster than csv.writer, which looks at every character for quoting.
    with path.open("w", newline="", encoding="utf-8") as f:
        f.write(",".join(TRANSACTION_COLUMNS) + "\n")
        for start in range(0, n, CHUNK):
            rows = order[start : start + CHUNK]
            fields = (
                day_text[day[rows]], customer_ids[customer[rows]], article_ids[article[rows]],
                price_text[price_index[rows]], channel_text[b_channel[basket[rows]]],
            )  # fmt: skip
            f.write("\n".join(map(",".join, zip(*fields, strict=True))))
            f.write("\n")
    return int(again.sum()), str(day_text[day.min()]), str(day_text[day.max()])


def _draw_all(out: Path, specs: list[ImageSpec], workers: int | None) -> None:
    jobs = [(s, image_file(out / IMAGES, s.article_id)) for s in specs]
    for folder in {path.parent for _, path in jobs}:
        folder.mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    bar = tqdm(total=len(jobs), desc="images", unit="img", disable=None)
    with bar:
        if workers == 1 or len(jobs) < 32:
            for job in jobs:
                render(job)
                bar.update()
        else:
            with Pool(workers) as pool:
                for _ in pool.imap_unordered(render, jobs, chunksize=8):
                    bar.update()
