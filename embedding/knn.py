"""Cosine top-K neighbours of every row, the row itself excluded.

Every method returns a `TopK`: `indices` int32 [n, k] and `scores` float32 [n, k], best first, ties
broken by the lower index. Where fewer than k rows are available or pass `cutoff` (kept when
score >= cutoff), the tail is padded with index -1 and score nan. Scores are float32 dot products of
the L2-normalised rows, so every method reports the same number for the same pair.

Zero vectors are rejected with `ZeroVectorError` (cosine is undefined for them): callers leave
products without an embedding out rather than passing zeros.

- `exact_topk`: blocked float32 matrix products (a block of rows × all rows), argpartition, sort.
  `precision="bfloat16"` takes 8k candidates from a bfloat16 matrix product in TensorFlow and
  re-ranks them in float32. A row is accepted only when no row left out can reach its k-th score
  (a rigorous rounding bound, `_bf16_eps`, about 0.012 for unit vectors); the others are
  recomputed in float32. So the answer is the float32 one (up to float32 rounding of near-ties),
  and the speed depends on how crowded the scores are: about 3x faster on clustered vectors,
  slower than float32 on the crowded scores of random-weight embeddings (it logs the share).
  Equal scores are ordered by index, but scores within a float32 rounding error of each other
  can come out in either order, here as between any two BLAS calls.
- `ivf_topk`: an inverted file (k-means cells, exact float32 search within each row's nearest
  cells), widened until recall@k on a sample checked against exact reaches a target; AUTO's
  method from `AUTO_EXACT_BELOW` vectors (`auto_method`).
- `ann_topk`: a usearch HNSW index, re-ranked in float32.
- `grouped_topk`: the same within each group (department-aware similarity).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, NamedTuple

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

log = logging.getLogger(__name__)

Method = Literal["auto", "exact", "exact-bf16", "ann", "ivf"]

# AUTO: exact below this many vectors, IVF from it (see `auto_method` for the figures).
AUTO_EXACT_BELOW = 10_000
# IVF defaults: probes to start with, the most it widens to, the recall it widens for, and the
# rows it checks against exact search to measure that recall.
IVF_PROBES = 1
IVF_MAX_PROBES = 64
IVF_TARGET_RECALL = 0.99
IVF_SAMPLE = 500
# k-means trains on this many sampled rows per cell (faiss warns below 39).
_KMEANS_SAMPLE_PER_LIST = 64

# Rows per block are chosen so one block of scores holds about this many floats (256 MB).
_BLOCK_FLOATS = 64 * 1024 * 1024
# A bound on |bf16 matmul − exact| for unit vectors: both inputs round (2u), the float32 sum is
# rounded to bfloat16 on output (u), plus float32 accumulation over d terms; u = 2^-8.
_U = 2.0**-8


def _bf16_eps(d: int) -> float:
    return 3 * _U + 4 * _U * _U + d * 2.0**-23


class TopK(NamedTuple):
    indices: np.ndarray  # int32 [n, k], -1 = no neighbour
    scores: np.ndarray  # float32 [n, k], nan = no neighbour


class ZeroVectorError(ValueError):
    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        shown = ", ".join(str(r) for r in rows[:10])
        more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        super().__init__(f"zero vectors have no cosine similarity: rows {shown}{more}")


def normalise(vectors: np.ndarray) -> np.ndarray:
    """float32 copy with unit rows. Raises `ZeroVectorError`, or ValueError for nan/inf."""
    x = np.array(vectors, dtype=np.float32, copy=True)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("vectors contain nan or inf")
    norms = np.linalg.norm(x, axis=1)
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise ZeroVectorError(zero)
    x /= norms[:, None]
    return x


def _empty(n: int, k: int) -> TopK:
    return TopK(np.full((n, k), -1, np.int32), np.full((n, k), np.nan, np.float32))


def _order(idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """Per-row permutation: score descending, then index ascending."""
    return np.lexsort((idx, -vals), axis=-1)


def _finish(idx: np.ndarray, vals: np.ndarray, k: int, cutoff: float | None) -> TopK:
    """Rows already sorted; apply the cutoff and pad to k columns."""
    out = _empty(len(idx), k)
    m = min(k, idx.shape[1])
    out.indices[:, :m] = idx[:, :m]
    out.scores[:, :m] = vals[:, :m]
    invalid = ~np.isfinite(out.scores) | (out.indices < 0)
    if cutoff is not None:
        invalid |= out.scores < cutoff
    out.indices[invalid] = -1
    out.scores[invalid] = np.nan
    return out


def _select(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top min(k, columns) of each row of `scores` (self already -inf), sorted, ties by index."""
    n = scores.shape[1]
    kk = min(k, n)
    part = np.argpartition(scores, n - kk, axis=1)[:, n - kk :]
    vals = np.take_along_axis(scores, part, axis=1)
    # argpartition picks arbitrarily among values equal to the k-th; redo those rows by index.
    kth = vals.min(axis=1)
    for r in np.flatnonzero(np.count_nonzero(scores >= kth[:, None], axis=1) > kk):
        cand = np.flatnonzero(scores[r] >= kth[r])
        cand = cand[_order(cand, scores[r, cand])][:kk]
        part[r], vals[r] = cand, scores[r, cand]
    order = _order(part, vals)
    return np.take_along_axis(part, order, 1), np.take_along_axis(vals, order, 1)


def _query_rows(n: int, rows: np.ndarray | None) -> np.ndarray:
    if rows is None:
        return np.arange(n)
    q = np.asarray(rows, dtype=np.int64)
    if q.ndim != 1 or (q.size and (q.min() < 0 or q.max() >= n)):
        raise ValueError("rows must be a 1-d array of row numbers")
    return q


def _exact(
    x: np.ndarray, k: int, cutoff: float | None, block: int | None, rows: np.ndarray | None = None
) -> TopK:
    n = len(x)
    q = _query_rows(n, rows)
    out = _empty(len(q), k)
    if n < 2 or k < 1:
        return out
    block = block or max(1, min(n, _BLOCK_FLOATS // n))
    for start in range(0, len(q), block):
        these = q[start : start + block]
        scores = x[these] @ x.T
        scores[np.arange(len(these)), these] = -np.inf
        idx, vals = _select(scores, min(k, n - 1))
        res = _finish(idx.astype(np.int32), vals, k, cutoff)
        out.indices[start : start + len(these)], out.scores[start : start + len(these)] = res
    return out


def _rerank(x: np.ndarray, rows: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """float32 scores of x[rows[i]] · x[cand[i, j]], in chunks to bound memory."""
    out = np.empty(cand.shape, np.float32)
    step = max(1, (8 * 1024 * 1024) // max(1, cand.shape[1] * x.shape[1]))
    for s in range(0, len(rows), step):
        out[s : s + step] = (x[cand[s : s + step]] @ x[rows[s : s + step], :, None])[..., 0]
    return out


def _exact_bf16(
    x: np.ndarray,
    k: int,
    cutoff: float | None,
    block: int | None,
    candidates: int | None,
    rows: np.ndarray | None = None,
) -> tuple[TopK, float]:
    """bfloat16 candidates, float32 re-rank, float32 recompute where not provably exact.

    Returns the result and the fraction of rows that needed the float32 recompute.
    """
    import tensorflow as tf

    n, d = x.shape
    q = _query_rows(n, rows)
    out = _empty(len(q), k)
    if n < 2 or k < 1 or len(q) == 0:
        return out, 0.0
    kk = min(k, n - 1)
    c = min(n - 1, max(kk, candidates or 8 * k))
    eps = _bf16_eps(d)
    xb = tf.cast(tf.constant(x), tf.bfloat16)
    block = block or max(1, min(n, _BLOCK_FLOATS // n))
    redo_total = 0
    for start in range(0, len(q), block):
        these = q[start : start + block]
        b = len(these)
        # float32 copy of the bfloat16 products (exact), then the same argpartition as float32;
        # TensorFlow's top_k on CPU is slower than this.
        sims = tf.cast(tf.matmul(tf.gather(xb, these), xb, transpose_b=True), tf.float32).numpy()
        m = min(n, c + 1)
        bidx = np.argpartition(sims, n - m, axis=1)[:, n - m :]
        bvals = np.take_along_axis(sims, bidx, axis=1)
        order = np.argsort(-bvals, axis=1, kind="stable")
        bidx, bvals = np.take_along_axis(bidx, order, 1), np.take_along_axis(bvals, order, 1)
        # Keep c candidates that are not the row itself; every row left out scores <= bound.
        bound = bvals[:, -1] if c + 1 <= n - 1 else np.full(b, -np.inf, np.float32)
        is_self = bidx == these[:, None]
        keep = ~is_self
        keep[~is_self.any(axis=1), -1] = False
        cand = bidx[keep].reshape(b, c)
        exact = _rerank(x, these, cand)
        order = _order(cand, exact)
        cand, exact = np.take_along_axis(cand, order, 1), np.take_along_axis(exact, order, 1)
        need = exact[:, kk - 1] if cutoff is None else np.maximum(exact[:, kk - 1], cutoff)
        res = _finish(cand.astype(np.int32), exact, k, cutoff)
        redo = np.flatnonzero(~(bound + eps < need))
        if redo.size:
            fixed = _exact(x, k, cutoff, block, these[redo])
            res.indices[redo], res.scores[redo] = fixed
            redo_total += redo.size
        out.indices[start : start + b], out.scores[start : start + b] = res
    share = redo_total / len(q)
    # Many recomputed rows mean the scores are too crowded for bfloat16 to help: float32 is faster.
    (log.warning if share > 0.2 else log.info)(
        "bfloat16 KNN: %d of %d rows recomputed in float32 (%d candidates)", redo_total, len(q), c
    )
    return out, share


def exact_topk(
    vectors: np.ndarray,
    k: int = 10,
    cutoff: float | None = None,
    *,
    block: int | None = None,
    precision: Literal["float32", "bfloat16"] = "float32",
    candidates: int | None = None,
    rows: np.ndarray | None = None,
) -> TopK:
    """Exact cosine top-k among all rows, for every row or only for `rows` (result row i is the
    neighbours of `rows[i]`). `precision="bfloat16"`: see the module docstring; `candidates`
    (default 8k) is how many bfloat16 candidates each row re-ranks."""
    x = normalise(vectors)
    if precision == "bfloat16":
        return _exact_bf16(x, k, cutoff, block, candidates, rows)[0]
    return _exact(x, k, cutoff, block, rows)


def _ann(
    x: np.ndarray,
    k: int,
    cutoff: float | None,
    connectivity: int = 32,
    expansion_add: int = 128,
    expansion_search: int = 128,
    dtype: str = "bf16",
    threads: int = 0,
) -> TopK:
    from usearch.index import BatchMatches, Index

    n, d = x.shape
    if n < 2 or k < 1:
        return _empty(n, k)
    kk = min(k, n - 1)
    # Ask for 2k+1 so the row itself and a few bfloat16 mis-orderings are absorbed by the re-rank.
    m = min(n, 2 * kk + 1)
    index = Index(
        ndim=d,
        metric="cos",
        dtype=dtype,
        connectivity=connectivity,
        expansion_add=expansion_add,
        expansion_search=max(expansion_search, m),
    )
    index.add(np.arange(n, dtype=np.uint64), x, threads=threads)
    found = index.search(x, m, threads=threads)
    assert isinstance(found, BatchMatches)  # a 2-d query always gives one
    keys = np.asarray(found.keys).reshape(n, m).astype(np.int64)
    counts = np.asarray(found.counts).reshape(n)
    rows = np.arange(n)
    valid = (np.arange(m)[None, :] < counts[:, None]) & (keys != rows[:, None])
    cand = np.where(valid, keys, 0)
    scores = np.where(valid, _rerank(x, rows, cand), -np.inf).astype(np.float32)
    cand = np.where(valid, cand, -1)
    order = _order(cand, scores)
    cand, scores = np.take_along_axis(cand, order, 1), np.take_along_axis(scores, order, 1)
    return _finish(cand[:, :kk].astype(np.int32), scores[:, :kk], k, cutoff)


def ann_topk(
    vectors: np.ndarray,
    k: int = 10,
    cutoff: float | None = None,
    *,
    connectivity: int = 32,
    expansion_add: int = 128,
    expansion_search: int = 128,
    dtype: Literal["bf16", "f16", "f32"] = "bf16",
    threads: int = 0,
) -> TopK:
    """Approximate cosine top-k from a usearch HNSW index over all rows (threads=0: all cores).

    The index stores `dtype` (bfloat16 builds and searches several times faster than float32 at
    the same recall on AVX-512 BF16 / AMX CPUs); the candidates are re-ranked in float32. The
    defaults gave recall@10 >= 0.99 against `exact_topk` on clustered vectors as wide as the
    embeddings (tests and the embedding report). The build is multi-threaded, so results can vary
    between runs.
    """
    x = normalise(vectors)
    return _ann(x, k, cutoff, connectivity, expansion_add, expansion_search, dtype, threads)


class IvfReport(NamedTuple):
    lists: int  # k-means cells
    probes: int  # cells each row was searched in (the last round's)
    recall: float | None  # recall@k on the sampled rows against exact; None when not measured
    sampled: int  # rows whose exact neighbours were computed (and substituted)


def _in_parts(n: int, workers: int, fn: Callable[[range], None]) -> None:
    """fn over `workers` contiguous parts of range(n), one thread each (numpy and BLAS release
    the GIL), so that each part writes only its own rows."""
    parts = [range(n * w // workers, n * (w + 1) // workers) for w in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(fn, part) for part in parts]:
            f.result()


def _kmeans(
    x: np.ndarray, lists: int, iters: int, rng: np.random.Generator, workers: int
) -> np.ndarray:
    """Spherical k-means (unit centroids, assignment by dot product) on a sample of the rows."""
    n = len(x)
    sample = x[np.sort(rng.choice(n, min(n, lists * _KMEANS_SAMPLE_PER_LIST), replace=False))]
    centres = sample[rng.choice(len(sample), lists, replace=False)].copy()
    assign = np.empty(len(sample), np.int64)
    for _ in range(iters):

        def nearest(part: range, centres: np.ndarray = centres) -> None:
            assign[part.start : part.stop] = np.argmax(
                sample[part.start : part.stop] @ centres.T, 1
            )

        _in_parts(len(sample), workers, nearest)
        order = np.argsort(assign, kind="stable")
        grouped = sample[order]
        starts = np.searchsorted(assign[order], np.arange(lists + 1))
        # A sum per cell (np.add.reduceat along rows is ~30x slower); an empty cell takes a
        # random sample row.
        sums = np.empty_like(centres)
        for c in range(lists):
            lo, hi = starts[c], starts[c + 1]
            sums[c] = grouped[lo:hi].sum(axis=0) if hi > lo else sample[rng.integers(len(sample))]
        centres = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    return centres.astype(np.float32)


def _merge(
    best_i: np.ndarray, best_s: np.ndarray, rows: np.ndarray, idx: np.ndarray, vals: np.ndarray
) -> None:
    """Fold candidates (idx, vals) of `rows` (distinct) into the running top-k lists in place."""
    k = best_i.shape[1]
    all_s = np.concatenate([best_s[rows], vals], axis=1)
    all_i = np.concatenate([best_i[rows], idx], axis=1)
    keep = np.argpartition(-all_s, k - 1, axis=1)[:, :k]
    best_s[rows] = np.take_along_axis(all_s, keep, 1)
    best_i[rows] = np.take_along_axis(all_i, keep, 1)


def _ivf_round(
    xs: np.ndarray, starts: np.ndarray, cell: np.ndarray, probes: np.ndarray,
    best_i: np.ndarray, best_s: np.ndarray, rows: range,
) -> None:  # fmt: skip
    """Search `rows` (cell-sorted positions) exactly in the cells `probes[row]` names.

    Queries are grouped by probed cell, so each cell is one matrix product of the queries that
    probe it by its members (a contiguous slice of `xs`)."""
    k = best_i.shape[1]
    lists = len(starts) - 1
    flat_q = np.repeat(np.arange(rows.start, rows.stop), probes.shape[1])
    flat_c = probes[rows.start : rows.stop].ravel()
    by_cell = np.argsort(flat_c, kind="stable")
    q_starts = np.searchsorted(flat_c[by_cell], np.arange(lists + 1))
    for c in range(lists):
        lo, hi = int(starts[c]), int(starts[c + 1])
        queries = flat_q[by_cell[q_starts[c] : q_starts[c + 1]]]
        if hi == lo or len(queries) == 0:
            continue
        members = xs[lo:hi]
        step = max(1, _BLOCK_FLOATS // (hi - lo))
        for s in range(0, len(queries), step):
            q = queries[s : s + step]
            scores = xs[q] @ members.T
            own = np.flatnonzero(cell[q] == c)
            scores[own, q[own] - lo] = -np.inf  # the row itself
            # Only rows with a score above their current k-th best can change: after the
            # nearest cell that is usually a few, so the selection below skips the rest.
            better = np.flatnonzero((scores > best_s[q].min(axis=1)[:, None]).any(axis=1))
            if better.size == 0:
                continue
            if better.size < len(q):
                q, scores = q[better], scores[better]
            m = min(k, hi - lo)
            if m < hi - lo:
                part = np.argpartition(scores, hi - lo - m, axis=1)[:, hi - lo - m :]
            else:
                part = np.broadcast_to(np.arange(hi - lo), scores.shape)
            vals = np.take_along_axis(scores, part, 1)
            if m < k:
                pad = ((0, 0), (0, k - m))
                part = np.pad(part, pad, constant_values=-1 - lo)
                vals = np.pad(vals, pad, constant_values=-np.inf)
            _merge(best_i, best_s, q, part + lo, vals)


def _blas_threads() -> int:
    """The BLAS's thread count (it follows the cores and OPENBLAS_NUM_THREADS and the like)."""
    counts = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(1, max(counts, default=os.cpu_count() or 1))


def _ivf(
    x: np.ndarray, k: int, cutoff: float | None, *, lists: int | None, probes: int,
    max_probes: int, target_recall: float, sample: int, iters: int, seed: int,
) -> tuple[TopK, IvfReport]:  # fmt: skip
    n = len(x)
    if n < 2 or k < 1:
        return _empty(n, k), IvfReport(0, 0, None, 0)
    kk = min(k, n - 1)
    rng = np.random.default_rng(seed)
    nlist = max(1, min(n, lists or round(np.sqrt(n))))
    max_probes = max(1, min(nlist, max_probes))
    probes = max(1, min(probes, max_probes))
    workers = _blas_threads()
    # Products here are small (a cell is a few hundred rows a side), where a multi-threaded BLAS
    # spends its time in barriers and collapses on a busy machine (measured: 6 vs 75 GFLOP/s at
    # 316 rows under load): one BLAS thread per worker, each worker its own rows.
    with threadpool_limits(1, user_api="blas"):
        centres = _kmeans(x, nlist, iters, rng, workers)
        # Each row's cells, nearest first; the row lives in (and is listed under) the first.
        near = np.empty((n, max_probes), np.int64)

        def nearest(part: range) -> None:
            for s in range(part.start, part.stop, _BLOCK_FLOATS // (8 * nlist)):
                e = min(part.stop, s + _BLOCK_FLOATS // (8 * nlist))
                sc = x[s:e] @ centres.T
                top = np.argpartition(-sc, max_probes - 1, axis=1)[:, :max_probes]
                ranked = np.argsort(-np.take_along_axis(sc, top, 1), axis=1, kind="stable")
                near[s:e] = np.take_along_axis(top, ranked, 1)

        _in_parts(n, workers, nearest)
        order = np.argsort(near[:, 0], kind="stable")  # cell-sorted position -> row
        xs = x[order]
        near = near[order]
        cell = near[:, 0]
        starts = np.searchsorted(cell, np.arange(nlist + 1))

        best_i = np.full((n, kk), -1, np.int64)
        best_s = np.full((n, kk), -np.inf, np.float32)
        # The sampled rows' exact neighbours measure recall (then replace the approximate
        # lists).
        checked = np.sort(rng.choice(n, min(n, sample), replace=False)) if sample > 0 else None
        truth = None
        if checked is not None:
            truth = _empty(len(checked), kk)

            def exact_part(part: range) -> None:
                assert truth is not None and checked is not None
                res = _exact(xs, kk, None, None, checked[part.start : part.stop])
                truth.indices[part.start : part.stop] = res.indices
                truth.scores[part.start : part.stop] = res.scores

            _in_parts(len(checked), workers, exact_part)
        done, recall = 0, None

        def search(cells: np.ndarray) -> None:
            _in_parts(
                n, workers,
                lambda part: _ivf_round(xs, starts, cell, cells, best_i, best_s, part),
            )  # fmt: skip

        while True:
            if done == 0:  # each row's own cell first, so later cells meet a good k-th score
                search(near[:, :1])
                done = 1
            if probes > done:
                search(near[:, done:probes])
            done = probes
            if truth is None or checked is None:
                break
            got = np.where(np.isfinite(best_s[checked]), best_i[checked], -1)
            recall = recall_at_k(got, truth.indices)
            if recall >= target_recall or probes >= max_probes:
                break
            probes = min(max_probes, 2 * probes)
            log.info("IVF KNN: recall@%d %.4f at %d probes; widening to %d", k, recall, done,
                     probes)  # fmt: skip
    if checked is not None and truth is not None:
        best_i[checked] = truth.indices
        best_s[checked] = np.where(truth.indices >= 0, truth.scores, -np.inf)
    # Back to row numbers, then the usual order (score, then index) and cutoff.
    back = np.where(best_i >= 0, order[np.maximum(best_i, 0)], -1)
    idx = np.empty_like(back)
    idx[order] = back
    vals = np.empty_like(best_s)
    vals[order] = best_s
    vals[idx < 0] = -np.inf
    ranked = _order(idx, vals)
    idx, vals = np.take_along_axis(idx, ranked, 1), np.take_along_axis(vals, ranked, 1)
    report = IvfReport(nlist, done, recall, 0 if checked is None else len(checked))
    log.info("IVF KNN: %d rows, %d cells, %d probes, sampled recall@%d %s", n, nlist, done, k,
             "not measured" if recall is None else f"{recall:.4f}")  # fmt: skip
    return _finish(idx.astype(np.int32), vals, k, cutoff), report


def ivf_topk(
    vectors: np.ndarray,
    k: int = 10,
    cutoff: float | None = None,
    *,
    lists: int | None = None,
    probes: int = IVF_PROBES,
    max_probes: int = IVF_MAX_PROBES,
    target_recall: float = IVF_TARGET_RECALL,
    sample: int = IVF_SAMPLE,
    iters: int = 10,
    seed: int = 0,
) -> tuple[TopK, IvfReport]:
    """Approximate cosine top-k by an inverted file: a spherical k-means coarse quantiser
    (`lists` cells, default sqrt(n), trained on a sample), each row searched exactly in float32
    within its `probes` nearest cells. `sample` rows also get their exact neighbours: recall@k
    on them is measured after each round, and while it is below `target_recall` the probes
    double (searching only the new cells) up to `max_probes`; those rows keep the exact lists.
    Deterministic for a given seed (up to BLAS rounding of near-ties)."""
    x = normalise(vectors)
    return _ivf(
        x, k, cutoff, lists=lists, probes=probes, max_probes=max_probes,
        target_recall=target_recall, sample=sample, iters=iters, seed=seed,
    )  # fmt: skip


def auto_method(n: int, exact_below: int = AUTO_EXACT_BELOW) -> Method:
    """The method AUTO runs for n vectors: exact below `exact_below`, IVF from it."""
    return "exact" if n < exact_below else "ivf"


def topk(
    vectors: np.ndarray, k: int = 10, cutoff: float | None = None, *, method: Method = "exact"
) -> TopK:
    """Dispatch to one method with its defaults."""
    if method == "auto":
        method = auto_method(len(vectors))
    if method == "ivf":
        return ivf_topk(vectors, k, cutoff)[0]
    if method == "exact":
        return exact_topk(vectors, k, cutoff)
    if method == "exact-bf16":
        return exact_topk(vectors, k, cutoff, precision="bfloat16")
    if method == "ann":
        return ann_topk(vectors, k, cutoff)
    raise ValueError(f"unknown KNN method {method!r}")


def grouped_topk(
    vectors: np.ndarray,
    groups: np.ndarray,
    k: int = 10,
    cutoff: float | None = None,
    *,
    method: Method = "exact",
) -> TopK:
    """Top-k of each row among the rows with the same group id; indices are global row numbers."""
    x = normalise(vectors)
    labels = np.asarray(groups)
    if labels.shape != (len(x),):
        raise ValueError(f"groups must have shape ({len(x)},), got {labels.shape}")
    out = _empty(len(x), k)
    _, inverse = np.unique(labels, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.flatnonzero(np.diff(inverse[order])) + 1
    for members in np.split(order, bounds):
        sub = x[members]
        chosen = auto_method(len(members)) if method == "auto" else method
        if chosen == "ivf":
            res = _ivf(
                sub, k, cutoff, lists=None, probes=IVF_PROBES, max_probes=IVF_MAX_PROBES,
                target_recall=IVF_TARGET_RECALL, sample=IVF_SAMPLE, iters=10, seed=0,
            )[0]  # fmt: skip
        elif chosen == "ann":
            res = _ann(sub, k, cutoff)
        elif chosen == "exact-bf16":
            res = _exact_bf16(sub, k, cutoff, None, None)[0]
        elif chosen == "exact":
            res = _exact(sub, k, cutoff, None)
        else:
            raise ValueError(f"unknown KNN method {method!r}")
        out.indices[members] = np.where(res.indices >= 0, members[res.indices], -1)
        out.scores[members] = res.scores
    return out


def recall_at_k(approx: np.ndarray, exact: np.ndarray) -> float:
    """Share of the exact neighbours (index >= 0) that the approximate lists contain."""
    approx = np.asarray(approx)
    exact = np.asarray(exact)
    if approx.shape[0] != exact.shape[0]:
        raise ValueError("approx and exact need the same number of rows")
    wanted = exact >= 0
    total = int(wanted.sum())
    if total == 0:
        return 1.0
    hit = (approx[:, None, :] == exact[:, :, None]).any(axis=2) & wanted
    return float(hit.sum()) / total
