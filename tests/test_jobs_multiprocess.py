"""Job leases across real processes: two `fabric-gql serve` servers on one pair of shards never
run two jobs of a kind, one follows the other's job, a restart does not fail a live job, and a
killed owner's job fails only once its lease has run out.

The catalogue is generated without images and every product gets a random vector, so a
recompute over it lasts long enough to act on while it runs (and no process loads the model)."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from processes import (
    DONE,
    JOB,
    JOB_FIELDS,
    LEASE_S,
    RECOMPUTE,
    Api,
    ok,
    record,
    send,
    start_api,
    wait_for,
    wait_until_running,
)
from websockets.sync.client import connect

from cypher.shards import SyncShards

pytestmark = pytest.mark.neo4j

TOP_K = 60  # the recompute writes VECTOR_PRODUCTS x TOP_K x 2 edges: several seconds of work


@pytest.fixture(scope="module")
def a(lease_env: dict[str, str], logs: Path) -> Iterator[Api]:
    api = start_api(logs, "a", lease_env)
    yield api
    api.stop()


@pytest.fixture(scope="module")
def b(lease_env: dict[str, str], logs: Path) -> Iterator[Api]:
    api = start_api(logs, "b", lease_env)
    yield api
    api.stop()


def start_recompute(api: Api) -> dict[str, Any]:
    job: dict[str, Any] = ok(api, RECOMPUTE, topK=TOP_K, method="EXACT")["recomputeSimilarities"]
    return job


def follow(api: Api, job_id: str) -> list[dict[str, Any]]:
    """Every message of one jobProgress subscription (graphql-transport-ws), up to `complete`."""
    document = f"subscription($id: ID!) {{ jobProgress(id: $id) {{ {JOB_FIELDS} }} }}"
    url = api.url.replace("http://", "ws://") + "/graphql"
    messages = []
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        payload = {"query": document, "variables": {"id": job_id}}
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        while True:
            message = json.loads(ws.recv(timeout=300))
            messages.append(message)
            if message["type"] in {"complete", "error"}:
                return messages


def epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def test_a_recompute_on_b_while_a_runs_one_is_a_conflict_naming_a_job(
    a: Api, b: Api, sync_shards: SyncShards
) -> None:
    first = start_recompute(a)
    second = send(b, RECOMPUTE, topK=TOP_K)
    try:
        assert [e["extensions"]["code"] for e in second.get("errors", [])] == ["JOB_CONFLICT"]
        assert first["id"] in second["errors"][0]["message"]
        assert second["data"] is None
    finally:
        assert wait_for(sync_shards, first["id"])["status"] == "SUCCEEDED"
    kinds = [j for j in ok(b, "{ jobs { kind status } }")["jobs"] if j["status"] in DONE]
    assert kinds  # b reads the same records


def test_job_progress_on_b_follows_a_job_that_a_runs_to_the_end(
    a: Api, b: Api, sync_shards: SyncShards
) -> None:
    job = start_recompute(a)
    messages = follow(b, job["id"])
    assert messages[-1] == {"id": "1", "type": "complete"}
    updates = [m["payload"]["data"]["jobProgress"] for m in messages[:-1]]
    assert {u["id"] for u in updates} == {job["id"]}
    assert updates[-1]["status"] == "SUCCEEDED"
    assert updates[-1]["processed"] == updates[-1]["total"] > 0
    # Followed while it ran, not only read once it had finished.
    assert any(u["status"] == "RUNNING" for u in updates[:-1]), updates
    processed = [u["processed"] for u in updates]
    assert processed == sorted(processed)
    assert len(set(processed)) >= 2


CANCEL = "mutation($id: ID!) { cancelJob(id: $id) { id status error } }"


def test_cancel_job_on_b_stops_a_job_that_a_runs(a: Api, b: Api, sync_shards: SyncShards) -> None:
    job = start_recompute(a)
    wait_until_running(sync_shards, job["id"])
    # b does not run it: it flags the record, a sees the flag at its next heartbeat and stops.
    cancelled = ok(b, CANCEL, id=job["id"])["cancelJob"]
    assert cancelled["id"] == job["id"]
    assert cancelled["status"] == "CANCELLED", "the job ended before the cancel: lengthen it"
    assert cancelled["error"] == "cancelled on request"
    assert wait_for(sync_shards, job["id"])["status"] == "CANCELLED"
    assert ok(a, JOB, id=job["id"])["job"]["status"] == "CANCELLED"


def test_restarting_b_while_a_runs_a_job_leaves_the_job_running(
    a: Api, b: Api, lease_env: dict[str, str], logs: Path, sync_shards: SyncShards
) -> None:
    job = start_recompute(a)
    wait_until_running(sync_shards, job["id"])
    b.stop(signal.SIGTERM)  # b's fixture stays stopped: later tests use a
    assert "Application shutdown complete" in b.log.read_text()
    restarted = start_api(logs, "b-again", lease_env)
    try:
        # The fresh process has swept the records at start-up: the live job is not its to fail.
        seen = ok(restarted, JOB, id=job["id"])["job"]
        assert seen["status"] == "RUNNING", "the job ended before b came back: lengthen it"
        assert wait_for(sync_shards, job["id"])["status"] == "SUCCEEDED"
    finally:
        restarted.stop()


def test_a_killed_owners_job_fails_once_its_lease_ran_out_and_another_can_start(
    a: Api, lease_env: dict[str, str], logs: Path, sync_shards: SyncShards
) -> None:
    doomed = start_api(logs, "doomed", lease_env)
    job = start_recompute(doomed)
    running = wait_until_running(sync_shards, job["id"])
    assert running["owner"].split(":")[1] == str(doomed.pid)
    doomed.stop(signal.SIGKILL)

    failed = wait_for(sync_shards, job["id"], timeout_s=LEASE_S + 60)
    assert failed["status"] == "FAILED"
    assert failed["error"] == f"interrupted: owner {running['owner']} stopped heartbeating"
    # Marked only once the lease (the last heartbeat's, on the database's clock) had run out.
    assert epoch_ms(failed["finishedAt"]) >= failed["leaseUntil"] >= running["leaseUntil"]
    assert ok(a, JOB, id=job["id"])["job"]["status"] == "FAILED"

    again = start_recompute(a)
    assert wait_for(sync_shards, again["id"])["status"] == "SUCCEEDED"
    assert record(sync_shards, job["id"])["status"] == "FAILED"
