"""The loader against the real shards: exact counts, idempotence, bad rows kept out and reported."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cypher.shards import SyncShards
from hm.reader import DatasetError
from ingest.load import load_dataset, shard_counts
from ingest.reset import reset_shards

ARTICLE_HEADER = [
    "article_id", "prod_name", "product_type_no", "product_type_name",
    "department_no", "department_name", "colour_group_code", "colour_group_name",
]  # fmt: skip


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _expected(root: Path) -> dict[str, int]:
    """Counts straight from the CSV files, independent of the reader."""
    with (root / "articles.csv").open() as f:
        articles = list(csv.DictReader(f))
    with (root / "customers.csv").open() as f:
        customers = sum(1 for _ in csv.DictReader(f))
    with (root / "transactions_train.csv").open() as f:
        purchases = sum(1 for _ in csv.DictReader(f))
    images = sum(1 for _ in (root / "images").rglob("*.jpg"))
    return {
        "products": len(articles),
        "departments": len({a["department_no"] for a in articles}),
        "productTypes": len({a["product_type_no"] for a in articles}),
        "colourGroups": len({a["colour_group_code"] for a in articles}),
        "sections": len({a["section_no"] for a in articles}),
        "customers": customers,
        "purchases": purchases,
        "images": images,
    }


@pytest.fixture
def shards(sync_shards: SyncShards) -> SyncShards:
    reset_shards(sync_shards)
    return sync_shards


def test_generated_dataset_loads_with_exact_counts(shards: SyncShards, small_dataset: Path) -> None:
    report = load_dataset(shards, small_dataset, batch_size=500)
    expected = _expected(small_dataset)
    tx = report.counts["transactions"]
    assert report.bad.total == 0
    assert tx["products"] == expected["products"]
    assert tx["customers"] == expected["customers"]
    assert tx["purchases"] == expected["purchases"]
    assert tx["departments"] == expected["departments"]
    assert tx["productTypes"] == expected["productTypes"]
    assert tx["colourGroups"] == expected["colourGroups"]
    assert tx["sections"] == expected["sections"]
    assert tx["fromDepartment"] == expected["products"]
    products = report.counts["products"]
    assert products["products"] == expected["products"]
    assert products["productsWithImage"] == expected["images"]
    assert 0 < expected["images"] < expected["products"]


def test_loading_again_changes_no_count(shards: SyncShards, small_dataset: Path) -> None:
    first = load_dataset(shards, small_dataset, batch_size=700)
    second = load_dataset(shards, small_dataset, batch_size=300)
    assert second.counts == first.counts
    assert second.rows["purchases"] == 0
    assert second.skipped["purchases"] == first.rows["purchases"]


def _bad_dataset(root: Path) -> None:
    _write(root / "articles.csv", ARTICLE_HEADER, [
        ["0100000001", "Tee", "255", "T-shirt", "1676", "Jersey Basic", "9", "Black"],
        ["100000002", "Trousers", "272", "Trousers", "1722", "Trousers", "73", "Dark Blue"],
        ["0100000001", "Tee again", "255", "T-shirt", "1676", "Jersey Basic", "9", "Black"],
        ["0100000003", "", "", "", "", "", "", ""],
    ])  # fmt: skip
    _write(root / "customers.csv", ["customer_id", "age", "postal_code"], [
        ["c1", "25", ""],
        ["c2", "", "p2"],
    ])  # fmt: skip
    _write(root / "transactions_train.csv", ["t_dat", "customer_id", "article_id", "price"], [
        ["2020-01-01", "c1", "0100000001", "0.0169"],
        ["2020-01-01", "c1", "0100000001", "0.0169"],  # a repeat purchase: kept
        ["2020-01-02", "c2", "100000002", "0.05"],  # leading zero lost: still the same article
        ["2020-01-03", "nobody", "0100000001", "0.01"],
        ["2020-01-03", "c1", "0999999999", "0.01"],
        ["2020-13-45", "c1", "0100000001", "0.01"],
        ["2020-01-04", "c1", "0100000001", "cheap"],
        ["2020-01-05", "c2", "0100000003", "0.02"],
    ])  # fmt: skip


def test_bad_rows_are_counted_by_kind_and_good_rows_kept(
    shards: SyncShards, tmp_path: Path
) -> None:
    _bad_dataset(tmp_path)
    report = load_dataset(shards, tmp_path)
    counts = report.bad.counts
    assert counts["duplicate article"] == 1
    assert counts["unknown customer"] == 1
    assert counts["unknown article"] == 1
    assert counts["bad date"] == 1
    assert counts["bad price"] == 1
    assert [e.line for e in report.bad.examples["unknown customer"]] == [4]
    tx = report.counts["transactions"]
    assert tx["products"] == 3
    assert tx["customers"] == 2
    assert tx["purchases"] == 4
    assert tx["departments"] == 2


def test_blank_category_fields_make_no_category_nodes(shards: SyncShards, tmp_path: Path) -> None:
    _bad_dataset(tmp_path)
    tx = load_dataset(shards, tmp_path).counts["transactions"]
    assert tx["products"] == 3
    assert tx["fromDepartment"] == 2  # the article with blank fields has no department
    assert tx["subsetOf"] == 2
    assert tx["hasColour"] == 2


def test_missing_column_fails_before_anything_is_written(
    shards: SyncShards, tmp_path: Path
) -> None:
    _bad_dataset(tmp_path)
    _write(tmp_path / "transactions_train.csv", ["t_dat", "customer_id", "price"], [])
    before = shard_counts(shards)
    with pytest.raises(DatasetError, match=r"transactions_train\.csv.*article_id"):
        load_dataset(shards, tmp_path)
    assert shard_counts(shards) == before


def test_missing_file_fails_naming_it(shards: SyncShards, tmp_path: Path) -> None:
    _bad_dataset(tmp_path)
    (tmp_path / "customers.csv").unlink()
    with pytest.raises(DatasetError, match=r"customers\.csv"):
        load_dataset(shards, tmp_path)
    assert shard_counts(shards)["transactions"]["products"] == 0
