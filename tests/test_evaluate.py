"""`fabric-gql evaluate`: MAP@12 as the challenge defined it, the split, and a run end to end."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from gql_support import data, serving
from processes import FABRIC_GQL, environment

from cypher.shards import Shard, SyncShards
from evaluation.metrics import (
    average_precision,
    coverage,
    mean_average_precision,
    mean_recall,
    recall,
)
from evaluation.run import STRATEGIES
from evaluation.split import split_dataset
from fabric_gql.settings import Settings
from hm.generate import generate
from hm.reader import read_transactions

# --- MAP@12 against hand-computed values ------------------------------------------------------


def test_ap_is_the_mean_precision_at_each_hit() -> None:
    # Hits at ranks 1 and 3: (1/1 + 2/3) / 2 purchased articles.
    assert average_precision({"a", "b"}, ["a", "x", "b"]) == pytest.approx((1 + 2 / 3) / 2)


def test_ap_counts_a_hit_only_at_its_rank() -> None:
    assert average_precision({"a"}, ["x", "a"]) == pytest.approx(0.5)
    assert average_precision({"a"}, ["x", "y", "z", "a"]) == pytest.approx(0.25)
    assert average_precision({"a"}, ["x", "y"]) == 0.0


def test_ap_divides_by_the_purchases_it_could_have_found() -> None:
    # Three purchased, one found at rank 1: 1/3, not 1/1.
    assert average_precision({"a", "b", "c"}, ["a"]) == pytest.approx(1 / 3)
    # More than 12 purchased: at most 12 can be found, so 12 straight hits score 1.
    bought = {f"p{i}" for i in range(20)}
    assert average_precision(bought, sorted(bought)[:12]) == pytest.approx(1.0)


def test_ap_ignores_predictions_past_twelve_and_repeated_ones() -> None:
    assert average_precision({"a"}, [f"x{i}" for i in range(12)] + ["a"]) == 0.0
    # The repeated "a" at rank 2 is a miss; "b" at rank 3 is the second hit: (1 + 2/3) / 2.
    assert average_precision({"a", "b"}, ["a", "a", "b"]) == pytest.approx((1 + 2 / 3) / 2)


def test_a_customer_without_holdout_purchases_is_not_scored() -> None:
    with pytest.raises(ValueError):
        average_precision(set(), ["a"])
    with pytest.raises(ValueError):
        mean_average_precision({}, {})


def test_map_averages_over_the_customers_with_purchases() -> None:
    actual = {"c1": {"a"}, "c2": {"b", "c"}, "c3": {"d"}}
    predicted = {"c1": ["a"], "c2": ["x", "c"], "c4": ["d"]}  # c3 got nothing; c4 not scored
    assert mean_average_precision(actual, predicted) == pytest.approx((1 + 0.25 + 0) / 3)
    assert mean_recall(actual, predicted) == pytest.approx((1 + 0.5 + 0) / 3)
    assert recall({"a", "b"}, ["b", "x"]) == 0.5


def test_coverage_is_distinct_recommendations_over_the_catalogue() -> None:
    assert coverage({"c1": ["a", "b"], "c2": ["b", "c"]}, catalogue=10) == pytest.approx(0.3)


# --- the split ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hm-evaluate")
    generate(out, articles=40, customers=60, transactions=2500, seed=5, images=True)
    return out


def test_the_split_is_the_last_seven_days_exactly(tiny: Path, tmp_path: Path) -> None:
    split = split_dataset(tiny, tmp_path / "training", days=7)
    rows = list(read_transactions(tiny))
    last = max(r["t_dat"] for r in rows)
    assert split.last_date == last
    assert split.split_date == last - timedelta(days=6)
    expected: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["t_dat"] >= split.split_date:
            expected[r["customer_id"]].add(r["article_id"])
    assert split.holdout == expected
    training = list(read_transactions(tmp_path / "training"))
    assert len(training) == split.training_rows == sum(r["t_dat"] < split.split_date for r in rows)
    assert split.training_rows + split.holdout_rows == len(rows)
    assert max(r["t_dat"] for r in training) < split.split_date
    assert (tmp_path / "training" / "articles.csv").read_bytes() == (
        tiny / "articles.csv"
    ).read_bytes()


# --- end to end ----------------------------------------------------------------------------

ROW = re.compile(r"^(\w+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+(\d+)$", re.M)


@pytest.fixture(scope="module")
def evaluated(tiny: Path, sync_shards: SyncShards, tmp_path_factory: pytest.TempPathFactory) -> str:
    """`fabric-gql evaluate` on the tiny catalogue (shards emptied first); its stdout."""
    env = environment(embedding_weights="none", data_dir=str(tmp_path_factory.mktemp("eval")))
    result = subprocess.run(
        [FABRIC_GQL, "evaluate", str(tiny), "--customers", "8", "--reset"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.neo4j
def test_evaluate_prints_every_method_beside_the_references(evaluated: str) -> None:
    rows = {m.group(1): m.groups()[1:] for m in ROW.finditer(evaluated)}
    assert set(rows) == set(STRATEGIES), evaluated
    for strategy, (map12, recall12, cover, _ms, errors) in rows.items():
        assert 0.0 <= float(map12) <= 1.0 and 0.0 <= float(recall12) <= 1.0, strategy
        assert 0.0 < float(cover) <= 1.0, strategy
        assert errors == "0", strategy
    assert float(rows["BLEND"][0]) > 0
    assert "8 customers with a holdout purchase scored" in evaluated
    assert "about 0.036" in evaluated and "about 0.021" in evaluated


@pytest.mark.neo4j
def test_no_holdout_purchase_reaches_the_api(
    evaluated: str, tiny: Path, sync_shards: SyncShards, settings: Settings, tmp_path: Path
) -> None:
    split = split_dataset(tiny, tmp_path / "again", days=7)
    newest = sync_shards.read(Shard.TRANSACTIONS, "copurchase_newest")[0]["newest"].to_native()
    assert newest < split.split_date
    customer = max(split.holdout, key=lambda c: len(split.holdout[c]))
    bought = [r for r in read_transactions(tiny) if r["customer_id"] == customer]
    query = """query ($id: ID!) { customer(id: $id) {
        purchaseCount purchases(first: 100) { edges { node { date } } } } }"""
    with (
        serving(settings.model_copy(update={"dataset_dir": tiny})) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        seen = data(http, query, id=customer)["customer"]
    dates = [date.fromisoformat(e["node"]["date"]) for e in seen["purchases"]["edges"]]
    assert seen["purchaseCount"] == sum(r["t_dat"] < split.split_date for r in bought) > 0
    assert max(dates) < split.split_date


@pytest.mark.neo4j
def test_evaluate_refuses_shards_holding_the_holdout(
    evaluated: str, tiny: Path, sync_shards: SyncShards, tmp_path: Path
) -> None:
    # The shards hold the purchases before a 7-day split: a 14-day holdout starts before that.
    before = sync_shards.read(Shard.TRANSACTIONS, "shard_size")[0]
    env = environment(embedding_weights="none", data_dir=str(tmp_path))
    result = subprocess.run(
        [FABRIC_GQL, "evaluate", str(tiny), "--holdout-days", "14"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--reset" in result.stderr
    assert sync_shards.read(Shard.TRANSACTIONS, "shard_size")[0] == before
