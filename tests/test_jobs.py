"""Embedding and similarity jobs against the real shards: exact equals brute force, department
results equal brute force per department, readers never see a partial or mixed neighbour set."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gql_support import load_and_embed

from cypher.shards import Shard, SyncShards
from fabric_gql.errors import JobConflict
from fabric_gql.settings import Settings, get_settings
from jobs import embed, knn
from jobs.runner import (
    JobRecord,
    Lease,
    Progress,
    create_record,
    execute,
    run_in_foreground,
    sweep,
)


@pytest.fixture(scope="module")
def job_settings(settings: Settings, small_dataset: Path) -> Settings:
    return settings.model_copy(update={"dataset_dir": small_dataset, "embedding_weights": "none"})


@pytest.fixture(scope="module")
def embedded(sync_shards: SyncShards, small_dataset: Path, job_settings: Settings) -> SyncShards:
    load_and_embed(sync_shards, job_settings, small_dataset)
    return sync_shards


def recompute(shards: SyncShards, **params: Any) -> JobRecord:
    params = {"topK": 10, "similarityCutoff": 0.0, "method": "EXACT", **params}
    return run_in_foreground(shards, knn.KIND, params, knn.knn_work())


def neighbours(shards: SyncShards, code: str, *, same_department: bool = False) -> list[str]:
    rows = shards.read(
        Shard.PRODUCTS, "similar_candidates", codes=[code], sameDepartment=same_department,
        minScore=None, limit=100,
    )  # fmt: skip
    return [row["row"]["code"] for row in rows]


def brute_force(vectors: np.ndarray, k: int) -> np.ndarray:
    x = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    return np.argsort(-sims, axis=1, kind="stable")[:, :k]


def test_products_with_image_get_an_embedding_and_others_none(embedded: SyncShards) -> None:
    counts = embedded.read(Shard.PRODUCTS, "counts_products")[0]
    assert counts["embedded"] == counts["productsWithImage"] > 0
    assert counts["embedded"] < counts["products"]


def test_embedding_again_with_only_missing_does_no_work(
    embedded: SyncShards, job_settings: Settings
) -> None:
    record = run_in_foreground(
        embedded, embed.KIND, {"codes": None, "onlyMissing": True}, embed.embed_work(job_settings)
    )
    assert record["status"] == "SUCCEEDED"
    assert record["total"] == 0


def test_exact_recompute_equals_brute_force_on_stored_vectors(embedded: SyncShards) -> None:
    assert recompute(embedded)["status"] == "SUCCEEDED"
    codes, vectors = knn.read_vectors(embedded)
    expected = brute_force(vectors, 10)
    for i in range(0, len(codes), 7):
        got = neighbours(embedded, codes[i])
        want = [codes[j] for j in expected[i]]
        # Equal scores may come in either order; compare as sets plus the best one.
        assert set(got) == set(want), codes[i]


def test_auto_runs_exact_below_the_threshold_and_says_so(embedded: SyncShards) -> None:
    record = recompute(embedded, method="AUTO")
    assert record["status"] == "SUCCEEDED"
    n = len(knn.read_vectors(embedded)[0])
    assert f"by EXACT (AUTO: {n} < 10000 vectors)" in record["summary"]
    state = embedded.read(Shard.PRODUCTS, "similarity_state")[0]
    assert state["method"] == "EXACT"


def test_auto_runs_ivf_from_the_threshold_and_reports_recall(embedded: SyncShards) -> None:
    codes, vectors = knn.read_vectors(embedded)
    record = recompute(embedded, method="AUTO", autoExactBelow=len(codes))
    assert record["status"] == "SUCCEEDED"
    summary = record["summary"]
    assert f"by IVF (AUTO: {len(codes)} >= {len(codes)} vectors)" in summary
    recall = float(summary.split("recall@10 ")[1].split()[0])
    assert 0.99 <= recall <= 1.0  # it widens its probes until the sample says so
    assert embedded.read(Shard.PRODUCTS, "similarity_state")[0]["method"] == "IVF"
    expected = brute_force(vectors, 10)
    hits = sum(len(set(neighbours(embedded, codes[i])) & {codes[j] for j in expected[i]})
               for i in range(len(codes)))  # fmt: skip
    assert hits / expected.size >= 0.9


def test_same_department_equals_brute_force_within_department(embedded: SyncShards) -> None:
    assert recompute(embedded)["status"] == "SUCCEEDED"
    codes, vectors = knn.read_vectors(embedded)
    departments = knn.departments_of(embedded, codes)
    checked = 0
    for department in np.unique(departments[departments >= 0]):
        members = np.flatnonzero(departments == department)
        if len(members) < 2:
            continue
        expected = brute_force(vectors[members], min(10, len(members) - 1))
        for row, i in enumerate(members):
            got = neighbours(embedded, codes[i], same_department=True)
            assert set(got) == {codes[members[j]] for j in expected[row]}
            checked += 1
    assert checked > 20


def test_readers_never_see_partial_or_mixed_sets_during_recompute(embedded: SyncShards) -> None:
    assert recompute(embedded, topK=4)["status"] == "SUCCEEDED"
    codes, _ = knn.read_vectors(embedded)
    sample = codes[:: max(1, len(codes) // 12)]
    before = {code: neighbours(embedded, code) for code in sample}
    assert all(len(v) == 4 for v in before.values())

    seen: list[tuple[str, list[str]]] = []
    stop = threading.Event()

    def read_loop() -> None:
        while not stop.is_set():
            for code in sample:
                seen.append((code, neighbours(embedded, code)))

    readers = [threading.Thread(target=read_loop) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        record = recompute(embedded, topK=9)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert record["status"] == "SUCCEEDED"
    after = {code: neighbours(embedded, code) for code in sample}
    assert all(len(v) == 9 for v in after.values())
    assert len(seen) > len(sample)
    for code, got in seen:
        assert got in (before[code], after[code]), (code, got)


def test_failed_recompute_leaves_previous_similarities_readable(embedded: SyncShards) -> None:
    assert recompute(embedded, topK=3)["status"] == "SUCCEEDED"
    codes, _ = knn.read_vectors(embedded)
    before = {code: neighbours(embedded, code) for code in codes[:10]}

    # Cancel the next run as soon as its first batch of new edges is written: a failure
    # half-way through the writes.
    progress = Progress()

    def on_change(p: Progress) -> None:
        if p.processed > 0:
            p.cancel_event.set()

    progress.on_change = on_change
    params = {"topK": 8, "similarityCutoff": 0.0, "method": "EXACT"}
    job = create_record(embedded, knn.KIND, params)
    final = execute(embedded, job["id"], knn.knn_work(), params, progress)
    assert final["status"] == "CANCELLED"
    assert {code: neighbours(embedded, code) for code in codes[:10]} == before
    # The next run prunes what the cut-off one left and publishes a complete new set.
    assert recompute(embedded, topK=5)["status"] == "SUCCEEDED"
    assert all(len(neighbours(embedded, code)) == 5 for code in codes[:10])
    leftover = embedded.read(Shard.PRODUCTS, "counts_products")[0]["similar"]
    assert leftover == 5 * len(codes)


def test_second_job_of_a_kind_is_refused_naming_the_running_one(embedded: SyncShards) -> None:
    job = create_record(embedded, knn.KIND, {})
    try:
        with pytest.raises(JobConflict, match=job["id"]):
            create_record(embedded, knn.KIND, {})
    finally:
        embedded.write(Shard.PRODUCTS, "job_update", id=job["id"], fields={"status": "FAILED"})


def test_concurrent_creates_of_a_kind_record_exactly_one_job(sync_shards: SyncShards) -> None:
    # Each thread has its own drivers, so the creates are truly concurrent transactions.
    kind, threads = "RACE_PROBE", 6
    barrier = threading.Barrier(threads)
    created: list[str] = []
    refused: list[str] = []

    def create() -> None:
        with SyncShards(get_settings()) as shards:
            shards.read(Shard.PRODUCTS, "job_list", limit=1)  # connected before the race
            barrier.wait()
            try:
                created.append(create_record(shards, kind, {})["id"])
            except JobConflict as exc:
                refused.append(exc.message)

    workers = [threading.Thread(target=create) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    try:
        assert len(created) == 1
        assert len(refused) == threads - 1
        assert all(created[0] in message for message in refused)
    finally:
        for job_id in created:
            sync_shards.write(Shard.PRODUCTS, "job_update", id=job_id, fields={"status": "FAILED"})


def test_sweep_fails_only_jobs_whose_lease_ran_out(sync_shards: SyncShards) -> None:
    live = create_record(sync_shards, "LEASE_PROBE", {}, Lease(600, 1, owner="h:1:live"))
    stale = create_record(sync_shards, "LEASE_PROBE_2", {}, Lease(600, 1, owner="h:2:gone"))
    sync_shards.write(Shard.PRODUCTS, "job_update", id=stale["id"], fields={"leaseUntil": 0})
    try:
        # The stale job's own process (alive, since it sweeps) leaves it alone; others fail it.
        assert stale["id"] not in sweep(sync_shards, owner="h:2:gone")
        assert stale["id"] in sweep(sync_shards, owner="h:1:live")
        assert live["id"] not in sweep(sync_shards)
        rows = sync_shards.read(Shard.PRODUCTS, "job_get", id=stale["id"])
        assert rows[0]["job"]["status"] == "FAILED"
        assert rows[0]["job"]["error"] == "interrupted: owner h:2:gone stopped heartbeating"
        rows = sync_shards.read(Shard.PRODUCTS, "job_get", id=live["id"])
        assert rows[0]["job"]["status"] == "QUEUED"
        # A new job of a kind whose job went stale is allowed; of a live kind it is not.
        with pytest.raises(JobConflict, match=live["id"]):
            create_record(sync_shards, "LEASE_PROBE", {})
        again = create_record(sync_shards, "LEASE_PROBE_2", {})
        sync_shards.write(Shard.PRODUCTS, "job_update", id=again["id"], fields={"status": "FAILED"})
    finally:
        sync_shards.write(Shard.PRODUCTS, "job_update", id=live["id"], fields={"status": "FAILED"})


def test_gds_method_finds_mostly_the_exact_neighbours(embedded: SyncShards) -> None:
    if not embedded.read(Shard.PRODUCTS, "gds_available")[0]["available"]:
        pytest.skip("the Graph Data Science plugin is not on the products shard")
    codes, vectors = knn.read_vectors(embedded)
    result, ran, recall = knn.compute(
        embedded, codes, vectors, k=10, cutoff=0.0, method=knn.KnnMethod.GDS, gds_concurrency=1
    )
    assert ran is knn.KnnMethod.GDS and recall is None
    exact = brute_force(vectors, 10)
    hits = sum(len(set(result.indices[i]) & set(exact[i])) for i in range(len(codes)))
    assert hits / exact.size > 0.9
    # GDS reports (1 + cos) / 2; the method hands back cosine like the others.
    x = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    i, j = 0, int(result.indices[0, 0])
    assert result.scores[0, 0] == pytest.approx(float(x[i] @ x[j]), abs=1e-4)
