"""KNN wall time and recall@10 against exact, per method, on the same vectors, side by side:
AUTO (what `recomputeSimilarities` runs by default), EXACT (float32), IVF, ANN (usearch HNSW)
and the reference `gds.knn` (topK 10; randomSeed 42 at concurrency 1) on the products shard.
Vectors are clustered random vectors as wide as the embeddings. Where EXACT is not run (or is
skipped above --exact-max), recall is measured against exact search of --reference-rows sampled
rows. Prints the BLAS library and kernel that ran (threadpoolctl) and the load average before and
after each method, since other processes share the cores. Run it with `bench/knn`.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

from cypher import loader
from cypher.shards import Shard, SyncShards
from embedding.knn import TopK, ann_topk, exact_topk, ivf_topk, recall_at_k
from embedding.model import DIM
from fabric_gql.settings import get_settings
from ingest.load import create_schema
from ingest.reset import reset_shards
from jobs.knn import KnnMethod, compute, resolve

# The benchmark's own query (storing its vectors), sent through the same clients.
loader.include(Path(__file__).parent / "cypher")

METHODS = ("auto", "exact", "ivf", "ann", "gds")


def clustered(n: int, d: int = DIM, clusters: int = 500, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, d), dtype=np.float32)
    labels = rng.integers(0, clusters, n)
    return centres[labels] + 0.6 * rng.standard_normal((n, d), dtype=np.float32)


def codes_of(n: int) -> list[str]:
    return [f"{i:010d}" for i in range(n)]


def store(shards: SyncShards, vectors: np.ndarray) -> list[str]:
    codes = codes_of(len(vectors))
    reset_shards(shards)
    create_schema(shards)
    shards.autocommit(Shard.PRODUCTS, "bench_drop_vector_index")
    began = time.perf_counter()
    for start in range(0, len(codes), 500):
        rows = [
            {"code": codes[i], "vector": vectors[i].astype(np.float64).tolist()}
            for i in range(start, min(start + 500, len(codes)))
        ]
        shards.write(Shard.PRODUCTS, "bench_store_vectors", rows=rows)
    print(f"  (stored {len(codes):,} vectors for GDS in {time.perf_counter() - began:.0f} s)")
    return codes


def job_lists(
    shards: SyncShards, codes: list[str], vectors: np.ndarray, method: KnnMethod, gds: int = 1
) -> TopK:
    return compute(shards, codes, vectors, k=10, cutoff=0.0, method=method, gds_concurrency=gds)[0]


def ivf_lists(vectors: np.ndarray) -> TopK:
    return ivf_topk(vectors, 10)[0]


def load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def timed(fn: Callable[[], TopK]) -> tuple[TopK, float, float, str]:
    """The result, wall seconds, this process's CPU seconds (all threads; GDS runs in the
    server, so its CPU is not counted) and the load average before → after."""
    before = load()
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return result, wall, cpu, f"{before} → {load()}"


def show(
    name: str, run: tuple[TopK, float, float, str], rows: np.ndarray, reference: TopK
) -> float:
    result, wall, cpu, loads = run
    recall = recall_at_k(result.indices[rows], reference.indices)
    print(f"  {name:<30}{wall:>10.2f}{cpu:>9.1f}{recall:>11.4f}   {loads}", flush=True)
    return wall


def blas() -> str:
    return "; ".join(
        f"{i['internal_api']} {i.get('version')} kernel {i.get('architecture')}, "
        f"{i['num_threads']} threads ({Path(i['filepath']).name})"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--exact-max", type=int, default=200_000, help="skip EXACT above this")
    parser.add_argument("--gds-max", type=int, default=200_000, help="skip GDS above this")
    parser.add_argument("--gds-concurrency", default="1,2")
    parser.add_argument("--reference-rows", type=int, default=1000)
    args = parser.parse_args()
    methods = args.methods.split(",")
    if unknown := set(methods) - set(METHODS):
        parser.error(f"unknown methods {sorted(unknown)}; choose from {','.join(METHODS)}")

    print(f"BLAS: {blas()}")
    print(
        "OPENBLAS_CORETYPE="
        f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')} "
        f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}; "
        f"{os.cpu_count()} cores; load average 1/5/15 min {load()}"
    )
    settings = get_settings()
    with SyncShards(settings) as shards:
        gds = shards.read(Shard.PRODUCTS, "gds_available")[0]["available"]
        for n in (int(s) for s in args.sizes.split(",")):
            vectors = clustered(n)
            codes = codes_of(n)
            print(f"\n{n:,} vectors × {DIM} (clustered)", flush=True)
            exact_run = None
            if "exact" in methods and n <= args.exact_max:
                exact_run = timed(partial(exact_topk, vectors, 10))
                reference, rows = exact_run[0], np.arange(n)
            else:
                rows = np.sort(np.random.default_rng(7).choice(n, args.reference_rows, False))
                reference = exact_topk(vectors, 10, rows=rows)
            recall_of = "all rows" if len(rows) == n else f"{len(rows)} sampled rows"
            print(f"  recall@10 against exact search of {recall_of}")
            print(
                f"  {'method':<30}{'seconds':>10}{'CPU s':>9}{'recall@10':>11}"
                "   load average (1/5/15 min) before → after",
                flush=True,
            )
            seconds: dict[str, float] = {}
            if exact_run is not None:
                seconds["EXACT float32"] = show("EXACT float32", exact_run, rows, reference)
            runs: dict[str, Callable[[], TopK]] = {}
            if "auto" in methods:
                # The job's own call (it needs the shard for GDS only).
                name = f"AUTO (ran {resolve(KnnMethod.AUTO, n).value})"
                runs[name] = partial(job_lists, shards, codes, vectors, KnnMethod.AUTO)
            if "ivf" in methods:
                runs["IVF"] = partial(ivf_lists, vectors)
            if "ann" in methods:
                runs["ANN usearch HNSW"] = partial(ann_topk, vectors, 10)
            gds_runs = []
            if "gds" in methods and gds and n <= args.gds_max:
                gds_runs = [int(c) for c in args.gds_concurrency.split(",")]
            elif "gds" in methods and not gds:
                print("  (GDS is not on the products shard: its rows are missing)")
            for name, fn in runs.items():
                seconds[name] = show(name, timed(fn), rows, reference)
            if gds_runs:
                store(shards, vectors)
            for concurrency in gds_runs:
                name = f"GDS knn, concurrency {concurrency}"
                fn = partial(job_lists, shards, codes, vectors, KnnMethod.GDS, concurrency)
                seconds[name] = show(name, timed(fn), rows, reference)
            gds_time = min((t for m, t in seconds.items() if m.startswith("GDS")), default=None)
            if gds_time is not None:
                for m, t in seconds.items():
                    if not m.startswith("GDS"):
                        print(f"  the fastest GDS run / {m}: {gds_time / t:.1f}×")


if __name__ == "__main__":
    main()
