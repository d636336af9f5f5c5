"""Faults with real processes (issue 10, item 5): an API or a CLI job stopped part-way leaves a
record that says so, never a job left RUNNING, and the similarities readers were served stay.

The catalogue is generated without images, every product with a random vector, so a recompute
lasts seconds and no process loads the model. Recovery times are printed (`-s` shows them)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from processes import (
    FABRIC_GQL,
    LEASE_S,
    RECOMPUTE,
    Api,
    ok,
    record,
    start_api,
    wait_for,
    wait_until_running,
)

from cypher.shards import Shard, SyncShards
from jobs import knn

pytestmark = pytest.mark.neo4j

TOP_K = 60
SIMILAR = "query($c: ID!) { similarProducts(code: $c, topK: 5) { product { code } score } }"


@pytest.fixture
def api(lease_env: dict[str, str], logs: Path) -> Iterator[Api]:
    started = start_api(logs, "api", lease_env)
    yield started
    started.stop()


def recompute(api: Api, top_k: int = TOP_K) -> dict[str, Any]:
    job: dict[str, Any] = ok(api, RECOMPUTE, topK=top_k, method="EXACT")["recomputeSimilarities"]
    return job


def served(api: Api, codes: list[str]) -> dict[str, list[str]]:
    return {
        code: [s["product"]["code"] for s in ok(api, SIMILAR, c=code)["similarProducts"]]
        for code in codes
    }


def version(shards: SyncShards) -> int:
    return int(shards.read(Shard.PRODUCTS, "similarity_state")[0]["version"])


def sample_codes(shards: SyncShards) -> list[str]:
    codes, _ = knn.read_vectors(shards)
    return codes[:: len(codes) // 8][:8]


def test_sigkill_of_the_api_during_a_recompute_fails_the_job_and_keeps_the_served_version(
    api: Api, lease_env: dict[str, str], logs: Path, sync_shards: SyncShards
) -> None:
    assert wait_for(sync_shards, recompute(api, top_k=5)["id"])["status"] == "SUCCEEDED"
    codes = sample_codes(sync_shards)
    before, before_version = served(api, codes), version(sync_shards)
    assert all(len(v) == 5 for v in before.values())

    job = recompute(api)
    running = wait_until_running(sync_shards, job["id"])
    api.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    restarted = start_api(logs, "api-again", lease_env)
    try:
        failed = wait_for(sync_shards, job["id"], timeout_s=LEASE_S + 60)
        print(f"\nrecompute killed: FAILED {time.monotonic() - killed_at:.1f} s after the kill")
        assert failed["status"] == "FAILED"
        assert failed["error"] == f"interrupted: owner {running['owner']} stopped heartbeating"
        # The half-written version was never published: readers get the previous one.
        assert version(sync_shards) == before_version
        assert served(restarted, codes) == before
        again = recompute(restarted, top_k=5)
        assert wait_for(sync_shards, again["id"])["status"] == "SUCCEEDED"
        assert version(sync_shards) == before_version + 1
        assert all(len(v) == 5 for v in served(restarted, codes).values())
    finally:
        restarted.stop()


def test_sigterm_of_the_api_during_a_job_records_it_cancelled(
    api: Api, sync_shards: SyncShards
) -> None:
    job = recompute(api)
    wait_until_running(sync_shards, job["id"])
    began = time.monotonic()
    api.stop(signal.SIGTERM)
    print(f"\nSIGTERM to API exit: {time.monotonic() - began:.1f} s")
    assert "Application shutdown complete" in api.log.read_text()
    final = record(sync_shards, job["id"])
    assert final["status"] == "CANCELLED"
    assert final["error"] == "cancelled on request"
    assert final["processed"] < final["total"]


def test_sigterm_of_a_cli_job_records_it_cancelled(
    lease_env: dict[str, str], logs: Path, sync_shards: SyncShards
) -> None:
    known = {row["job"]["id"] for row in sync_shards.read(Shard.PRODUCTS, "job_list", limit=1000)}
    with (logs / "knn.log").open("wb") as out:
        cli = subprocess.Popen(
            [FABRIC_GQL, "knn", "--top-k", str(TOP_K)], env=lease_env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            rows = sync_shards.read(Shard.PRODUCTS, "job_list", limit=5)
            mine = [row["job"] for row in rows if row["job"]["id"] not in known]
            if mine and mine[0]["processed"] > 0:
                break
            assert cli.poll() is None, (logs / "knn.log").read_text()
            assert time.monotonic() < deadline, mine
            time.sleep(0.1)
        cli.send_signal(signal.SIGTERM)
        assert cli.wait(60) == 1  # a job that did not succeed
    finally:
        if cli.poll() is None:
            cli.kill()
    final = record(sync_shards, mine[0]["id"])
    assert final["status"] == "CANCELLED"
    assert final["error"] == "cancelled on request"
