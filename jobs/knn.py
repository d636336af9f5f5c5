"""The similarity recompute: cosine top-K per product, globally and within its department.

Readers never see an empty, partial or mixed neighbour set: the new lists are written under a
new version number that readers ignore, then one write flips `SimilarityState.version`, then
the superseded edges are pruned. A run that fails before the flip leaves the previous version
readable; its half-written edges are pruned by the next run.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import numpy as np

from cypher.shards import Shard, SyncShards
from embedding.knn import AUTO_EXACT_BELOW, IVF_SAMPLE, Method, TopK, grouped_topk, ivf_topk, topk
from embedding.model import DIM
from jobs.runner import Progress, Work

KIND = "RECOMPUTE_SIMILARITIES"
PAGE = 2_000
WRITE_BATCH = 500
# Readers fetch the version and then its edges in one short transaction; pruning waits a moment
# after the flip so one that read the old version can still find its edges.
PRUNE_GRACE_S = 2.0


class KnnMethod(StrEnum):
    AUTO = "AUTO"
    EXACT = "EXACT"
    IVF = "IVF"
    ANN = "ANN"
    GDS = "GDS"


def resolve(method: KnnMethod, n: int, exact_below: int = AUTO_EXACT_BELOW) -> KnnMethod:
    """The method that runs: AUTO is EXACT below `exact_below` vectors and IVF from it."""
    if method is not KnnMethod.AUTO:
        return method
    return KnnMethod.EXACT if n < exact_below else KnnMethod.IVF


def read_vectors(
    shards: SyncShards, progress: Progress | None = None
) -> tuple[list[str], np.ndarray]:
    codes: list[str] = []
    chunks: list[np.ndarray] = []
    after = ""
    while True:
        rows = shards.read(Shard.PRODUCTS, "knn_vectors", after=after, limit=PAGE)
        if not rows:
            break
        codes.extend(row["code"] for row in rows)
        chunks.append(np.asarray([row["embedding"] for row in rows], dtype=np.float32))
        after = rows[-1]["code"]
        if progress is not None:
            progress.check()
    vectors = np.concatenate(chunks) if chunks else np.empty((0, DIM), np.float32)
    return codes, vectors


def departments_of(shards: SyncShards, codes: list[str]) -> np.ndarray:
    """Department number per code, -1 where the product has none."""
    found = {
        row["code"]: row["department"]
        for row in shards.read(Shard.TRANSACTIONS, "product_department_numbers", codes=codes)
    }
    return np.asarray([found.get(code, -1) for code in codes], dtype=np.int64)


def _gds_topk(
    shards: SyncShards, codes: list[str], k: int, cutoff: float, concurrency: int
) -> TopK:
    available = shards.read(Shard.PRODUCTS, "gds_available")[0]["available"]
    if not available:
        raise RuntimeError(
            "the GDS method needs the Graph Data Science plugin on the products shard"
        )
    graph = f"knn-{uuid.uuid4().hex[:8]}"
    shards.write(Shard.PRODUCTS, "gds_project", graph=graph)
    try:
        rows = shards.read(
            Shard.PRODUCTS, "gds_knn", graph=graph, topK=k, cutoff=(1.0 + cutoff) / 2,
            concurrency=concurrency, randomSeed=42 if concurrency == 1 else None,
        )  # fmt: skip
    finally:
        shards.write(Shard.PRODUCTS, "gds_drop", graph=graph)
    position = {code: i for i, code in enumerate(codes)}
    indices = np.full((len(codes), k), -1, np.int32)
    scores = np.full((len(codes), k), np.nan, np.float32)
    filled = np.zeros(len(codes), np.int64)
    for row in sorted(rows, key=lambda r: (r["source"], -r["score"])):
        i = position[row["source"]]
        if filled[i] < k:
            indices[i, filled[i]] = position[row["code"]]
            scores[i, filled[i]] = 2.0 * row["score"] - 1.0  # GDS reports (1 + cos) / 2
            filled[i] += 1
    return TopK(indices, scores)


def compute(
    shards: SyncShards, codes: list[str], vectors: np.ndarray, *, k: int, cutoff: float,
    method: KnnMethod, gds_concurrency: int = 1, exact_below: int = AUTO_EXACT_BELOW,
    recall_sample: int = IVF_SAMPLE,
) -> tuple[TopK, KnnMethod, float | None]:  # fmt: skip
    """The top-k lists, the method that ran (AUTO resolved) and the recall@k it measured
    against exact search on `recall_sample` rows (IVF only; None where not measured)."""
    method = resolve(method, len(codes), exact_below)
    if method is KnnMethod.GDS:
        return _gds_topk(shards, codes, k, cutoff, gds_concurrency), method, None
    keep = cutoff if cutoff > 0 else None
    if method is KnnMethod.IVF:
        result, report = ivf_topk(vectors, k, keep, sample=recall_sample)
        return result, method, report.recall
    local: Method = "exact" if method is KnnMethod.EXACT else "ann"
    return topk(vectors, k, keep, method=local), method, None


def _rows(codes: list[str], result: TopK, members: np.ndarray) -> list[dict[str, Any]]:
    rows = []
    for i in members:
        neighbours = [
            {"code": codes[j], "score": float(s), "rank": rank}
            for rank, (j, s) in enumerate(zip(result.indices[i], result.scores[i], strict=True), 1)
            if j >= 0
        ]
        if neighbours:
            rows.append({"code": codes[i], "neighbours": neighbours})
    return rows


def knn_work() -> Work:
    def work(shards: SyncShards, params: dict[str, Any], progress: Progress) -> str:
        k = int(params.get("topK", 10))
        cutoff = float(params.get("similarityCutoff", 0.0))
        asked = KnnMethod(params.get("method", KnnMethod.AUTO))
        exact_below = int(params.get("autoExactBelow", AUTO_EXACT_BELOW))
        # Whatever a failed run left half-written goes first, so versions never collide.
        shards.autocommit(Shard.PRODUCTS, "similarity_prune")
        current = shards.read(Shard.PRODUCTS, "similarity_state")[0]["version"]
        version = int(current) + 1

        began = time.perf_counter()
        codes, vectors = read_vectors(shards, progress)
        read_s = time.perf_counter() - began
        n = len(codes)
        progress.set_total(2 * n)
        started = time.perf_counter()
        result, method, recall = compute(
            shards, codes, vectors, k=k, cutoff=cutoff, method=asked,
            gds_concurrency=int(params.get("gdsConcurrency", 1)), exact_below=exact_below,
        )  # fmt: skip
        groups = departments_of(shards, codes)
        in_department = np.flatnonzero(groups >= 0)
        # Departments are small: exact there unless the global method is approximate (then
        # each department by its own size, as AUTO picks).
        within: Method = "exact" if method is KnnMethod.EXACT else "auto"
        by_department = grouped_topk(
            vectors[in_department], groups[in_department], k, cutoff if cutoff > 0 else None,
            method=within,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        progress.check()

        began = time.perf_counter()
        computed_at = datetime.now(UTC).isoformat()
        meta = {"version": version, "method": method.value, "computedAt": computed_at}
        edges = 0
        everyone = np.arange(n)
        for start in range(0, n, WRITE_BATCH):
            progress.check()
            rows = _rows(codes, result, everyone[start : start + WRITE_BATCH])
            done = shards.write(Shard.PRODUCTS, "similarity_write", rows=rows, **meta)
            edges += done[0]["written"]
            progress.advance(processed=min(WRITE_BATCH, n - start))
        sub_codes = [codes[i] for i in in_department]
        for start in range(0, len(sub_codes), WRITE_BATCH):
            progress.check()
            members = np.arange(start, min(start + WRITE_BATCH, len(sub_codes)))
            rows = _rows(sub_codes, by_department, members)
            done = shards.write(Shard.PRODUCTS, "similarity_write_in_department", rows=rows, **meta)
            edges += done[0]["written"]
            progress.advance(processed=len(members))
        progress.advance(processed=n - len(sub_codes))
        write_s = time.perf_counter() - began

        shards.write(
            Shard.PRODUCTS, "similarity_flip", version=version, method=method.value, topK=k,
            cutoff=cutoff, computedAt=computed_at, products=n, recall=recall,
        )  # fmt: skip
        time.sleep(PRUNE_GRACE_S)
        shards.autocommit(Shard.PRODUCTS, "similarity_prune")
        how = method.value
        if asked is KnnMethod.AUTO:
            side = "<" if method is KnnMethod.EXACT else ">="
            how += f" (AUTO: {n} {side} {exact_below} vectors)"
        measured = "" if recall is None else f", recall@{k} {recall:.4f} on a sample vs exact"
        return (
            f"version {version}: top-{k} neighbours of {n} products by {how} in "
            f"{seconds:.1f} s{measured}, and within "
            f"{len(set(groups[in_department].tolist()))} departments; read {read_s:.1f} s, "
            f"wrote {edges} edges in {write_s:.1f} s"
        )

    return work
