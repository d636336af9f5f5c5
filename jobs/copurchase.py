"""Co-purchases: for each product, the top-N other products bought by the same customers.

Computed in bulk, not by walking the graph per product: the purchases are streamed from the
transactions shard a page of customers at a time into a sparse customer x product 0/1 matrix B
(distinct buyers), and the co-occurrence counts C = BᵀB are multiplied out a block of products at
a time (each block's work bounded by `BLOCK_WORK`), keeping each product's best `top_n` others by
shared buyers, then score, then code. The score is the cosine of the two buyer sets,
shared / sqrt(buyers_a * buyers_b). With `weeks`, only purchases in the last `weeks` weeks up to
the newest purchase date count (dates after newest - weeks).

The lists become `(:Product)-[:BOUGHT_WITH {shared, score, rank, version}]->(:Product)` edges on
the transactions shard under a new version readers ignore; one write flips
`CoPurchaseState.version`; then the superseded edges are pruned, as jobs/knn.py does for
similarity. A run that fails or is cancelled before the flip leaves the previous version
readable; its half-written edges are pruned by the next run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from scipy import sparse

from cypher.shards import Shard, SyncShards
from jobs.runner import Progress, Work

KIND = "RECOMPUTE_COPURCHASES"
TOP_N = 50
PAGE = 5_000  # customers per read
WRITE_BATCH = 200  # products per write transaction (up to top_n edges each)
# The most partial products (multiply-adds) one block of C = BᵀB may cost: it bounds the
# block's sparse result, whatever the catalogue's size.
BLOCK_WORK = 20_000_000
PRUNE_GRACE_S = 2.0  # as in jobs/knn.py: a reader of the old version still finds its edges


@dataclass(frozen=True)
class CoPurchases:
    """Each product's list, best first: product i's others are `others[indptr[i]:indptr[i+1]]`
    (indices into `codes`), with their `shared` buyer counts and `score`s."""

    codes: list[str]
    buyers: np.ndarray  # distinct buyers per product
    indptr: np.ndarray
    others: np.ndarray
    shared: np.ndarray
    score: np.ndarray

    def rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        """The write query's rows for products start..stop-1 (those with a list)."""
        rows = []
        for i in range(start, stop):
            lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
            if lo == hi:
                continue
            others = [
                {"code": self.codes[j], "shared": int(s), "score": float(c), "rank": rank}
                for rank, (j, s, c) in enumerate(
                    zip(self.others[lo:hi], self.shared[lo:hi], self.score[lo:hi], strict=True),
                    start=1,
                )
            ]
            rows.append({"code": self.codes[i], "others": others})
        return rows

    @property
    def listed(self) -> int:
        return int(np.count_nonzero(np.diff(self.indptr)))


def buyer_matrix(codes: list[str], pages: Iterator[list[list[str]]]) -> sparse.csr_matrix:
    """The customer x product 0/1 matrix of `pages` (each a list of customers' bought codes);
    customers without a purchase get no row."""
    column = {code: j for j, code in enumerate(codes)}
    row_chunks: list[np.ndarray] = []
    col_chunks: list[np.ndarray] = []
    customers = 0
    for page in pages:
        bought = [[column[code] for code in set(codes_of)] for codes_of in page if codes_of]
        if not bought:
            continue
        sizes = np.fromiter((len(b) for b in bought), np.int64, len(bought))
        first = np.arange(customers, customers + len(bought), dtype=np.int32)
        row_chunks.append(np.repeat(first, sizes))
        col_chunks.append(np.fromiter((j for b in bought for j in b), np.int32, int(sizes.sum())))
        customers += len(bought)
    rows = np.concatenate(row_chunks) if row_chunks else np.empty(0, np.int32)
    cols = np.concatenate(col_chunks) if col_chunks else np.empty(0, np.int32)
    data = np.ones(len(rows), np.int32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(customers, len(codes)), dtype=np.int32)


def _blocks(work: np.ndarray, budget: int) -> Iterator[tuple[int, int]]:
    """Consecutive product ranges whose summed work stays within `budget` (one product over it
    is a block of its own)."""
    start, spent = 0, 0
    for i, cost in enumerate(work.tolist()):
        if i > start and spent + cost > budget:
            yield start, i
            start, spent = i, 0
        spent += cost
    if start < len(work):
        yield start, len(work)


def top_copurchases(
    codes: list[str], b: sparse.csr_matrix, top_n: int, progress: Progress | None = None,
    *, block_work: int = BLOCK_WORK,
) -> CoPurchases:  # fmt: skip
    """Each product's best `top_n` others by (shared desc, score desc, code): `codes` in code
    order, so a column index orders as its code."""
    n = len(codes)
    bt = b.T.tocsr()  # products x customers
    buyers = np.diff(bt.indptr).astype(np.int64)
    per_customer = np.diff(b.indptr).astype(np.int64)
    work = bt @ per_customer  # the multiply-adds of each product's row of C
    indptr = np.zeros(n + 1, np.int64)
    others_parts: list[np.ndarray] = []
    shared_parts: list[np.ndarray] = []
    score_parts: list[np.ndarray] = []
    for lo, hi in _blocks(np.asarray(work, np.int64), block_work):
        if progress is not None:
            progress.check()
        c = (bt[lo:hi] @ b).tocsr()  # rows lo..hi-1 of BᵀB
        local = np.repeat(np.arange(hi - lo), np.diff(c.indptr))
        other = c.indices.astype(np.int64)
        count = c.data.astype(np.int64)
        keep = _candidates(local, other, count, c.indptr, lo, top_n)
        a = local + lo
        a, other, count = a[keep], other[keep], count[keep]
        score = count / np.sqrt(buyers[a].astype(np.float64) * buyers[other])
        order = np.lexsort((other, -score, -count, a))
        a, other, count, score = a[order], other[order], count[order], score[order]
        starts = np.searchsorted(a, np.arange(lo, hi))
        rank = np.arange(len(a)) - starts[a - lo]
        best = rank < top_n
        indptr[lo + 1 : hi + 1] = np.bincount(a[best] - lo, minlength=hi - lo)
        others_parts.append(other[best])
        shared_parts.append(count[best])
        score_parts.append(score[best])
        if progress is not None:
            progress.advance(processed=hi - lo)
    np.cumsum(indptr, out=indptr)

    def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0, dtype)

    return CoPurchases(
        codes, buyers, indptr, joined(others_parts, np.int64), joined(shared_parts, np.int64),
        joined(score_parts, np.float64),
    )  # fmt: skip


def _candidates(
    local: np.ndarray, other: np.ndarray, count: np.ndarray, indptr: np.ndarray, lo: int,
    top_n: int,
) -> np.ndarray:  # fmt: skip
    """Which entries of a block (rows `lo + local`) can be in a top-`top_n` list: not the
    product itself, and in a longer row only those with at least its top_n-th largest count
    (ties kept), so the exact ordering that follows sorts few entries."""
    keep: np.ndarray = other != local + lo
    # A row holds its own product too, so one of top_n + 1 entries or fewer keeps them all.
    for r in np.flatnonzero(np.diff(indptr) > top_n + 1).tolist():
        s, e = int(indptr[r]), int(indptr[r + 1])
        counts = np.where(keep[s:e], count[s:e], 0)
        threshold = np.partition(counts, len(counts) - top_n)[len(counts) - top_n]
        keep[s:e] &= counts >= threshold
    return keep


def newest_and_since(shards: SyncShards, weeks: int | None) -> tuple[date | None, date | None, int]:
    """The newest purchase date, the window's exclusive start (None without `weeks`), and the
    number of customers."""
    row = shards.read(Shard.TRANSACTIONS, "copurchase_newest")[0]
    newest = row["newest"].to_native() if row["newest"] is not None else None
    since = newest - timedelta(weeks=weeks) if newest is not None and weeks else None
    return newest, since, int(row["customers"])


def read_pages(
    shards: SyncShards, since: date | None, progress: Progress | None = None, page: int = PAGE
) -> Iterator[list[list[str]]]:
    """The customers' bought codes, a page of customers at a time."""
    after = ""
    while True:
        if progress is not None:
            progress.check()
        rows = shards.read(
            Shard.TRANSACTIONS, "copurchase_purchases", after=after, limit=page, since=since
        )
        if not rows:
            return
        yield [row["codes"] for row in rows]
        after = rows[-1]["customer"]
        if progress is not None:
            progress.advance(processed=len(rows))


def recompute_copurchases(
    shards: SyncShards, progress: Progress, *, top_n: int = TOP_N, weeks: int | None = None,
    batch: int = WRITE_BATCH,
) -> str:  # fmt: skip
    """Compute, write under a new version, flip, prune; the summary. `batch`: products per write."""
    if top_n < 1:
        raise ValueError(f"top_n must be at least 1, got {top_n}")
    if weeks is not None and weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    # Whatever a failed run left half-written goes first, so versions never collide.
    shards.autocommit(Shard.TRANSACTIONS, "copurchase_prune")
    version = int(shards.read(Shard.TRANSACTIONS, "copurchase_state")[0]["version"]) + 1
    codes = [row["code"] for row in shards.read(Shard.TRANSACTIONS, "copurchase_products")]
    newest, since, customers = newest_and_since(shards, weeks)
    n = len(codes)
    progress.set_total(customers + 2 * n)

    started = time.perf_counter()
    b = buyer_matrix(codes, read_pages(shards, since, progress))
    progress.advance(processed=max(0, customers - progress.processed))
    read_s = time.perf_counter() - started
    result = top_copurchases(codes, b, top_n, progress)
    compute_s = time.perf_counter() - started - read_s

    written_started = time.perf_counter()
    for start in range(0, n, batch):
        progress.check()
        stop = min(start + batch, n)
        rows = result.rows(start, stop)
        if rows:
            shards.write(Shard.TRANSACTIONS, "copurchase_write", rows=rows, version=version)
        progress.advance(processed=stop - start)
    progress.check()  # the last moment a cancel leaves the previous version in place
    write_s = time.perf_counter() - written_started

    shards.write(
        Shard.TRANSACTIONS, "copurchase_flip", version=version, topN=top_n, weeks=weeks,
        computedAt=datetime.now(UTC).isoformat(), products=result.listed,
    )  # fmt: skip
    time.sleep(PRUNE_GRACE_S)
    shards.autocommit(Shard.TRANSACTIONS, "copurchase_prune")
    window = f"the last {weeks} weeks to {newest}" if since is not None else "all time"
    return (
        f"version {version}: top-{top_n} co-purchases of {result.listed} of {n} products from "
        f"{b.nnz} distinct purchases by {b.shape[0]} customers ({window}); read {read_s:.1f} s, "
        f"computed {compute_s:.1f} s, wrote {int(result.indptr[-1])} edges in {write_s:.1f} s"
    )


def copurchase_work() -> Work:
    def work(shards: SyncShards, params: dict[str, Any], progress: Progress) -> str:
        weeks = params.get("weeks")
        return recompute_copurchases(
            shards,
            progress,
            top_n=int(params.get("topN", TOP_N)),
            weeks=None if weeks is None else int(weeks),
        )

    return work
