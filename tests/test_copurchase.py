"""The co-purchase job against real shards: its edges equal a brute-force count over the CSV, the
versioned swap (readers keep the old lists until the flip; a failed or cancelled run changes
nothing readers see), the weeks window, the mutation and the fields through the real app, and
the command line."""

from __future__ import annotations

import csv
import math
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from gql_support import Catalogue, read_catalogue
from processes import FABRIC_GQL
from pydantic import SecretStr
from starlette.testclient import TestClient

from cypher.shards import Shard, SyncShards
from fabric_gql.settings import Settings
from ingest.load import load_dataset
from ingest.reset import reset_shards
from jobs import copurchase
from jobs.runner import FINISHED, JobRecord, Progress, run_in_foreground

pytestmark = pytest.mark.neo4j

TOKEN = "copurchase-test-token"
Lists = dict[str, list[tuple[str, int, float]]]  # code -> [(other, shared, score)], best first


def purchases(root: Path) -> list[tuple[str, str, date]]:
    with (root / "transactions_train.csv").open(newline="") as f:
        return [
            (row["customer_id"], row["article_id"], date.fromisoformat(row["t_dat"]))
            for row in csv.DictReader(f)
        ]


def brute_force(root: Path, top_n: int, weeks: int | None = None) -> Lists:
    """Each product's top_n by (shared desc, score desc, code), counted pair by pair."""
    rows = purchases(root)
    newest = max(day for _, _, day in rows)
    since = newest - timedelta(weeks=weeks) if weeks else None
    bought: dict[str, set[str]] = defaultdict(set)
    for customer, article, day in rows:
        if since is None or day > since:
            bought[customer].add(article)
    buyers = Counter(article for articles in bought.values() for article in articles)
    shared: dict[str, Counter[str]] = defaultdict(Counter)
    for articles in bought.values():
        for a in articles:
            shared[a].update(b for b in articles if b != a)
    lists: Lists = {}
    for a, others in shared.items():
        scored = [(b, n, n / math.sqrt(buyers[a] * buyers[b])) for b, n in others.items()]
        if scored:
            lists[a] = sorted(scored, key=lambda x: (-x[1], -x[2], x[0]))[:top_n]
    return lists


def edges(shards: SyncShards) -> list[dict[str, Any]]:
    return shards.read(Shard.TRANSACTIONS, "fixture_copurchase_edges")


def state(shards: SyncShards) -> dict[str, Any]:
    return shards.read(Shard.TRANSACTIONS, "copurchase_state")[0]


def current_lists(shards: SyncShards) -> Lists:
    version = state(shards)["version"]
    lists: Lists = defaultdict(list)
    for edge in edges(shards):
        if edge["version"] == version:
            assert edge["rank"] == len(lists[edge["code"]]) + 1
            lists[edge["code"]].append((edge["other"], edge["shared"], edge["score"]))
    return dict(lists)


def assert_same(got: Lists, expected: Lists) -> None:
    assert {a: [(b, n) for b, n, _ in xs] for a, xs in got.items()} == {
        a: [(b, n) for b, n, _ in xs] for a, xs in expected.items()
    }
    for a, xs in expected.items():
        assert [s for _, _, s in got[a]] == pytest.approx([s for _, _, s in xs], rel=1e-12)


def also_bought(shards: SyncShards, code: str, first: int = 50) -> list[str]:
    """What a reader sees: the API's own query."""
    rows = shards.read(Shard.TRANSACTIONS, "product_bought_with", keys=[code], first=first)
    return [edge["product"]["code"] for row in rows for edge in row["value"]]


def run(shards: SyncShards, top_n: int, weeks: int | None = None, **kwargs: Any) -> JobRecord:
    params = {"topN": top_n, "weeks": weeks}
    return run_in_foreground(
        shards, copurchase.KIND, params, copurchase.copurchase_work(), **kwargs
    )


@pytest.fixture(scope="module")
def loaded(sync_shards: SyncShards, small_dataset: Path) -> Catalogue:
    """Loaded without computing co-purchases: each test runs the job it needs."""
    reset_shards(sync_shards)
    assert load_dataset(sync_shards, small_dataset, batch_size=500).bad.total == 0
    return read_catalogue(small_dataset)


@pytest.fixture
def shards(loaded: Catalogue, sync_shards: SyncShards) -> SyncShards:
    return sync_shards


def best_seller(root: Path) -> str:
    return Counter(article for _, article, _ in purchases(root)).most_common(1)[0][0]


# --- the job -------------------------------------------------------------------------------


def test_before_any_computation_also_bought_is_empty(shards: SyncShards, loaded: Catalogue) -> None:
    # The module's first test: the catalogue is loaded and nothing computed yet.
    assert state(shards)["version"] == 0
    assert also_bought(shards, best_seller(loaded.root)) == []


def test_edges_equal_a_brute_force_count(shards: SyncShards, loaded: Catalogue) -> None:
    record = run(shards, top_n=5)
    assert record["status"] == "SUCCEEDED", record
    assert_same(current_lists(shards), brute_force(loaded.root, 5))
    assert state(shards)["topN"] == 5


def test_ties_are_broken_the_same_way_in_blocks_of_any_size(
    shards: SyncShards, loaded: Catalogue
) -> None:
    """Small blocks of C = BᵀB (one product each) give the same lists as one block."""
    codes = [row["code"] for row in shards.read(Shard.TRANSACTIONS, "copurchase_products")]
    b = copurchase.buyer_matrix(codes, copurchase.read_pages(shards, None, page=37))
    whole = copurchase.top_copurchases(codes, b, 7)
    blocks = copurchase.top_copurchases(codes, b, 7, block_work=1)
    assert whole.rows(0, len(codes)) == blocks.rows(0, len(codes))
    lists = {
        row["code"]: [(o["code"], o["shared"], o["score"]) for o in row["others"]]
        for row in whole.rows(0, len(codes))
    }
    assert_same(lists, brute_force(loaded.root, 7))


def test_weeks_counts_only_the_last_weeks_up_to_the_newest_purchase(
    shards: SyncShards, loaded: Catalogue
) -> None:
    record = run(shards, top_n=10, weeks=12)
    assert record["status"] == "SUCCEEDED", record
    expected = brute_force(loaded.root, 10, weeks=12)
    assert expected != brute_force(loaded.root, 10)  # the window does leave purchases out
    assert_same(current_lists(shards), expected)
    assert state(shards)["weeks"] == 12


def test_readers_see_the_previous_lists_until_the_flip(
    shards: SyncShards, loaded: Catalogue
) -> None:
    assert run(shards, top_n=3)["status"] == "SUCCEEDED"
    code = best_seller(loaded.root)
    before = also_bought(shards, code)
    assert len(before) == 3
    seen_at_the_end: list[list[str]] = []

    def on_change(progress: Progress) -> None:
        # Every list of the new version is written, the flip is not.
        if progress.total and progress.processed == progress.total and not seen_at_the_end:
            seen_at_the_end.append(also_bought(shards, code))

    assert run(shards, top_n=8, on_change=on_change)["status"] == "SUCCEEDED"
    assert seen_at_the_end == [before]
    after = also_bought(shards, code)
    assert len(after) == 8 and after[:3] == before


@pytest.mark.parametrize("ending", ["FAILED", "CANCELLED"])
def test_a_run_that_stops_while_writing_leaves_the_previous_version(
    shards: SyncShards, loaded: Catalogue, ending: str
) -> None:
    assert run(shards, top_n=4)["status"] == "SUCCEEDED"
    previous, lists = state(shards), current_lists(shards)
    cancel = threading.Event()
    written = 0

    def on_change(progress: Progress) -> None:
        nonlocal written
        # Past reading and computing, one write batch in: stop the job there.
        if progress.processed > progress.total - len(loaded.articles) + 20:
            written += 1
            if ending == "FAILED":
                raise RuntimeError("stopped mid-write by the test")
            cancel.set()

    params = {"topN": 9, "weeks": None}
    work = copurchase_work_in_batches(10)
    record = run_in_foreground(shards, copurchase.KIND, params, work, on_change, cancel)
    assert record["status"] == ending and written
    assert state(shards) == previous
    assert current_lists(shards) == lists
    # The half-written version is there, invisible, and the next run prunes it.
    assert {e["version"] for e in edges(shards)} == {previous["version"], previous["version"] + 1}
    assert run(shards, top_n=4)["status"] == "SUCCEEDED"
    assert {e["version"] for e in edges(shards)} == {state(shards)["version"]}
    assert current_lists(shards) == lists


def copurchase_work_in_batches(batch: int) -> Any:
    """The job's work with small write batches, so a run can be stopped between two."""

    def work(shards: SyncShards, params: dict[str, Any], progress: Progress) -> str:
        return copurchase.recompute_copurchases(
            shards, progress, top_n=params["topN"], weeks=params["weeks"], batch=batch
        )

    return work


def test_top_n_below_one_fails_the_job(shards: SyncShards) -> None:
    previous = state(shards)
    record = run(shards, top_n=0)
    assert record["status"] == "FAILED" and "top_n" in record.get("error", "")
    assert state(shards) == previous


# --- through the API -------------------------------------------------------------------------

MUTATION = """mutation($topN: Int, $weeks: Int) {
  recomputeCoPurchases(topN: $topN, weeks: $weeks) { id kind status }
}"""
JOB = "query($id: ID!) { job(id: $id) { status error summary } }"
FIELDS = """query($code: ID!, $first: Int) {
  product(code: $code) {
    alsoBought(first: $first) { code }
    boughtWith(first: $first) { shared score product { code name } }
  }
}"""


@pytest.fixture(scope="module")
def api_settings(settings: Settings, small_dataset: Path) -> Settings:
    return settings.model_copy(update={"dataset_dir": small_dataset, "api_token": SecretStr(TOKEN)})


@pytest.fixture
def api(loaded: Catalogue, client: TestClient) -> TestClient:
    return client


def send(client: TestClient, query: str, *, token: str | None = TOKEN, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def finished(client: TestClient, job_id: str) -> dict[str, Any]:
    for _ in range(1500):
        job: dict[str, Any] = send(client, JOB, id=job_id)["data"]["job"]
        if job["status"] in {status.value for status in FINISHED}:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def test_the_mutation_recomputes_and_the_fields_answer_from_it(
    api: TestClient, loaded: Catalogue
) -> None:
    job = send(api, MUTATION, topN=6)["data"]["recomputeCoPurchases"]
    assert job["kind"] == "RECOMPUTE_COPURCHASES"
    assert finished(api, job["id"])["status"] == "SUCCEEDED"
    code = best_seller(loaded.root)
    expected = brute_force(loaded.root, 6)[code]
    product = send(api, FIELDS, token=None, code=code, first=10)["data"]["product"]
    assert [p["code"] for p in product["alsoBought"]] == [b for b, _, _ in expected]
    assert [(w["product"]["code"], w["shared"]) for w in product["boughtWith"]] == [
        (b, n) for b, n, _ in expected
    ]
    assert [w["score"] for w in product["boughtWith"]] == pytest.approx([s for *_, s in expected])
    assert (
        product["boughtWith"][0]["product"]["name"] == loaded.articles[expected[0][0]]["prod_name"]
    )


def test_first_caps_both_lists(api: TestClient, loaded: Catalogue) -> None:
    code = best_seller(loaded.root)
    product = send(api, FIELDS, token=None, code=code, first=2)["data"]["product"]
    assert len(product["alsoBought"]) == 2 and len(product["boughtWith"]) == 2
    body = send(api, FIELDS, token=None, code=code, first=101)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}


def test_the_cost_limit_counts_bought_with_first(api: TestClient, settings: Settings) -> None:
    document = """query($n: Int) { products(first: 100) { edges { node {
      boughtWith(first: $n) { shared product { boughtWith(first: $n) { score } } } } } } }"""
    body = send(api, document, token=None, n=100)
    # 1 + 100 (2 + n (3 + 2n)), as alsoBought's `first` counts
    extensions = body["errors"][0]["extensions"]
    assert (extensions["code"], extensions["limit"]) == ("QUERY_TOO_COMPLEX", "cost")
    assert extensions["value"] == 1 + 100 * (2 + 100 * (3 + 200))
    assert extensions["maximum"] == settings.graphql_max_cost


def test_a_second_mutation_while_one_runs_is_a_conflict(api: TestClient) -> None:
    first = send(api, MUTATION, topN=5)["data"]["recomputeCoPurchases"]
    # A run lasts over two seconds (it waits before pruning the superseded edges).
    second = send(api, MUTATION, topN=5)
    assert [e["extensions"]["code"] for e in second["errors"]] == ["JOB_CONFLICT"]
    assert first["id"] in second["errors"][0]["message"]
    assert finished(api, first["id"])["status"] == "SUCCEEDED"


def test_the_mutation_needs_the_token(api: TestClient) -> None:
    body = send(api, MUTATION, token=None, topN=5)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("variables", [{"topN": 0}, {"topN": 101}, {"weeks": 0}])
def test_arguments_outside_their_range_are_bad_user_input(
    api: TestClient, variables: dict[str, Any]
) -> None:
    body = send(api, MUTATION, **variables)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


# --- the command line ------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FABRIC_GQL, *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_the_command_runs_the_job(shards: SyncShards, loaded: Catalogue) -> None:
    version = state(shards)["version"]
    done = cli("copurchase", "--top-n", "3", "--weeks", "12")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCEEDED" in done.stdout
    now = state(shards)
    assert (now["version"], now["topN"], now["weeks"]) == (version + 1, 3, 12)
    assert_same(current_lists(shards), brute_force(loaded.root, 3, weeks=12))


@pytest.fixture
def reloaded(sync_shards: SyncShards, small_dataset: Path) -> Iterator[Path]:
    """Empty shards for `fabric-gql load`; the module's catalogue is loaded again after."""
    reset_shards(sync_shards)
    yield small_dataset
    reset_shards(sync_shards)
    assert load_dataset(sync_shards, small_dataset, batch_size=500).bad.total == 0


def test_load_computes_co_purchases_unless_told_not_to(
    sync_shards: SyncShards, reloaded: Path
) -> None:
    done = cli("load", str(reloaded), "--no-copurchase")
    assert done.returncode == 0, done.stdout + done.stderr
    assert state(sync_shards)["version"] == 0
    done = cli("load", str(reloaded))
    assert done.returncode == 0, done.stdout + done.stderr
    assert state(sync_shards)["topN"] == copurchase.TOP_N
    assert_same(current_lists(sync_shards), brute_force(reloaded, copurchase.TOP_N))
