"""The bulk path (Neo4j's import tool) against the real shards: the same graph as the
incremental load, node for node and property for property, the same bad-row report, and a
second load after it that changes nothing. Each bulk load restarts the transactions shard."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cypher.shards import Shard, SyncShards
from fabric_gql.settings import Settings
from ingest import bulk
from ingest.load import LoadReport, load_dataset
from ingest.reset import reset_shards

FABRIC_GQL = str(Path(sys.executable).parent / "fabric-gql")
Graph = dict[str, Any]


def _props(props: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    # The type's name too: 1 == 1.0 == True in Python, but not in the store.
    return tuple(sorted((k, type(v).__name__, repr(v)) for k, v in props.items()))


def _graph(shards: SyncShards) -> Graph:
    """Both shards' contents as multisets, comparable across loads."""
    graph: Graph = {}
    for shard in Shard:
        graph[f"{shard.value} nodes"] = Counter(
            (tuple(sorted(r["labels"])), _props(r["props"]))
            for r in shards.read(shard, "graph_nodes")
        )
        graph[f"{shard.value} relationships"] = Counter(
            (r["type"], tuple(r["fromLabels"]), repr(r["from"]), tuple(r["toLabels"]),
             repr(r["to"]), _props(r["props"]))
            for r in shards.read(shard, "graph_relationships")
        )  # fmt: skip
        graph[f"{shard.value} load states"] = shards.read(shard, "load_states")
        graph[f"{shard.value} indexes"] = shards.read(shard, "index_names")
    return graph


def _shape(graph: Graph) -> dict[str, Counter[Any]]:
    """Counts by label and type, and the (key, type) pairs each label or type carries."""
    shape: dict[str, Counter[Any]] = {}
    for name in ("transactions nodes", "products nodes"):
        shape[name] = Counter()
        for (labels, props), n in graph[name].items():
            shape[name][labels] += n
            for key, kind, _ in props:
                shape[name][labels, key, kind] += n
    for name in ("transactions relationships", "products relationships"):
        shape[name] = Counter()
        for (kind, *_, props), n in graph[name].items():
            shape[name][kind] += n
            for key, value_type, _ in props:
                shape[name][kind, key, value_type] += n
    return shape


@pytest.fixture
def fresh(settings: Settings, sync_shards: SyncShards) -> Iterator[SyncShards]:
    """Empty shards, and a client of its own: a bulk load restarts the transactions server."""
    reset_shards(sync_shards)
    with SyncShards(settings) as shards:
        yield shards
    # The session's client still holds connections to the server that was stopped; a managed
    # read drops them (the driver retries on a fresh one), so later tests find it working.
    for shard in Shard:
        sync_shards.read(shard, "shard_size")


def _both_ways(settings: Settings, shards: SyncShards, root: Path) -> tuple[Any, ...]:
    incremental = load_dataset(shards, root, batch_size=500)
    by_incremental = _graph(shards)
    reset_shards(shards)
    bulk_report = bulk.bulk_load(settings, root)
    with SyncShards(settings) as after:
        by_bulk = _graph(after)
    return incremental, by_incremental, bulk_report, by_bulk


def test_bulk_and_incremental_give_the_same_graph_and_a_reload_changes_nothing(
    settings: Settings, fresh: SyncShards, small_dataset: Path
) -> None:
    incremental, by_incremental, report, by_bulk = _both_ways(settings, fresh, small_dataset)
    shape = _shape(by_bulk)
    assert shape["transactions relationships"]["PURCHASED"] == 3000
    assert shape["transactions relationships"]["PURCHASED", "price", "float"] == 3000
    assert shape["transactions relationships"]["PURCHASED", "date", "Date"] == 3000
    assert shape["transactions nodes"][("Customer",)] == 300
    assert shape["products nodes"][("Product",), "hasImage", "bool"] == 120
    assert _shape(by_bulk) == _shape(by_incremental)
    assert by_bulk == by_incremental
    assert report.rows == incremental.rows
    assert report.counts == incremental.counts
    assert report.bad.total == 0

    with SyncShards(settings) as shards:
        again = load_dataset(shards, small_dataset, batch_size=700)
        assert _graph(shards) == by_bulk
    assert again.rows["purchases"] == 0
    assert again.skipped["purchases"] == 3000


ARTICLES = [
    ["article_id", "prod_name", "product_type_no", "product_type_name", "product_group_name",
     "department_no", "department_name", "section_no", "section_name", "detail_desc"],
    ["0100000001", "Tee", "255", "T-shirt", "Garment Upper body", "1676", "Jersey", "16", "Men",
     'Soft, "washed"\nover two lines'],
    ["100000002", "Trousers", "272", "Trousers", "Garment Lower body", "1722", "Trousers", "16",
     "Men", ""],
    ["0100000001", "Tee again", "255", "T-shirt", "", "1676", "Jersey", "", "", ""],
    ["0100000003", "Plain", "", "", "", "", "", "", "", "x"],
    ["abc", "Not an id", "", "", "", "", "", "", "", ""],
]  # fmt: skip
CUSTOMERS = [
    ["customer_id", "FN", "Active", "age", "postal_code", "club_member_status"],
    ["c1", "1.0", "", "25", "", "ACTIVE"],
    ["c2", "", "1.0", "", "p2", ""],
    ["c1", "", "1.0", "26", "p1", ""],  # met again: its values are merged in, as MERGE does
    ["c3", "", "", "old", "", ""],
]  # fmt: skip
TRANSACTIONS = [
    ["t_dat", "customer_id", "article_id", "price", "sales_channel_id"],
    ["2020-01-01", "c1", "0100000001", "0.0169", "2"],
    ["2020-01-01", "c1", "0100000001", "0.0169", "2"],  # a repeat purchase: kept
    ["2020-01-02", "c2", "100000002", "0.05", ""],
    ["2020-01-03", "nobody", "0100000001", "0.01", "1"],
    ["2020-01-03", "c1", "0999999999", "0.01", "1"],
    ["2020-01-03", "nobody", "0999999999", "0.01", "1"],
    ["2020-13-45", "c1", "0100000001", "0.01", "1"],
    ["2020-01-04", "c1", "0100000001", "cheap", "1"],
    ["2020-01-05", "c3", "0100000003", "0.02", "1"],
    ["2020-01-06", "c2", "0999999999", "0.03", "2"],  # the last line: an unknown article
]  # fmt: skip


def _awkward_dataset(root: Path) -> None:
    for name, rows in (
        ("articles.csv", ARTICLES),
        ("customers.csv", CUSTOMERS),
        ("transactions_train.csv", TRANSACTIONS),
    ):
        with (root / name).open("w", newline="") as f:
            csv.writer(f).writerows(rows)


def _report(report: LoadReport) -> tuple[Any, ...]:
    return report.rows, report.skipped, report.bad.as_dict()


def test_bad_rows_are_reported_the_same_and_awkward_values_kept(
    settings: Settings, fresh: SyncShards, tmp_path: Path
) -> None:
    _awkward_dataset(tmp_path)
    incremental, by_incremental, report, by_bulk = _both_ways(settings, fresh, tmp_path)
    assert _report(report) == _report(incremental)
    counts = report.bad.counts
    assert counts["duplicate article"] == 1
    assert counts["bad article_id"] == 1
    assert counts["unknown customer"] == 1
    assert counts["unknown article"] == 2
    assert counts["unknown customer and article"] == 1
    assert [e.line for e in report.bad.examples["unknown article"]] == [5, 10]
    assert by_bulk == by_incremental
    descriptions = {
        dict((k, v) for k, _, v in props).get("description")
        for (labels, props) in by_bulk["transactions nodes"]
        if labels == ("Product",)
    }
    assert repr('Soft, "washed"\nover two lines') in descriptions
    assert [s["line"] for s in by_bulk["transactions load states"]] == [10]


def test_bulk_refuses_shards_that_hold_data(
    settings: Settings, fresh: SyncShards, small_dataset: Path, tmp_path: Path
) -> None:
    _awkward_dataset(tmp_path)
    load_dataset(fresh, tmp_path)
    before = _graph(fresh)
    with pytest.raises(bulk.BulkError, match="not empty"):
        bulk.bulk_load(settings, small_dataset)
    result = subprocess.run(
        [FABRIC_GQL, "load", "--bulk", "--no-copurchase", str(small_dataset)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "--bulk needs empty local shards: the shards are not empty" in result.stdout
    assert _graph(fresh) == before


def test_auto_loads_a_small_file_incrementally(
    settings: Settings, fresh: SyncShards, small_dataset: Path
) -> None:
    plan = bulk.choose(settings, fresh, small_dataset, "auto")
    assert not plan.bulk
    assert "below the bulk threshold" in plan.why
    assert bulk.choose(settings, fresh, small_dataset, "bulk").bulk
    assert not bulk.choose(settings, fresh, small_dataset, "incremental").bulk
