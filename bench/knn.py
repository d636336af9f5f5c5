"""KNN wall time and recall@10 against exact, per method, on the same vectors: the project's
EXACT (float32, and bfloat16 candidates re-ranked in float32), ANN (usearch HNSW) and the
reference `gds.knn` (topK 10, randomSeed 42, concurrency 1; and concurrency 2) on the products
shard. Vectors are clustered random vectors as wide as the embeddings. Run it with `bench/knn`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from cypher import loader
from cypher.shards import Shard, SyncShards
from embedding.knn import TopK, ann_topk, exact_topk, recall_at_k
from embedding.model import DIM
from fabric_gql.settings import get_settings
from ingest.load import create_schema
from ingest.reset import reset_shards
from jobs.knn import KnnMethod, compute

# The benchmark's own query (storing its vectors), sent through the same clients.
loader.include(Path(__file__).parent / "cypher")


def clustered(n: int, d: int = DIM, clusters: int = 500, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, d), dtype=np.float32)
    labels = rng.integers(0, clusters, n)
    return centres[labels] + 0.6 * rng.standard_normal((n, d), dtype=np.float32)


def store(shards: SyncShards, vectors: np.ndarray) -> list[str]:
    codes = [f"{i:010d}" for i in range(len(vectors))]
    reset_shards(shards)
    create_schema(shards)
    for start in range(0, len(codes), 500):
        rows = [
            {"code": codes[i], "vector": vectors[i].astype(np.float64).tolist()}
            for i in range(start, min(start + 500, len(codes)))
        ]
        shards.write(Shard.PRODUCTS, "bench_store_vectors", rows=rows)
    return codes


def timed(fn: Callable[[], TopK]) -> tuple[TopK, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--gds-max", type=int, default=100_000, help="skip GDS above this size")
    args = parser.parse_args()

    settings = get_settings()
    with SyncShards(settings) as shards:
        gds = shards.read(Shard.PRODUCTS, "gds_available")[0]["available"]
        for n in (int(s) for s in args.sizes.split(",")):
            vectors = clustered(n)
            print(f"\n{n:,} vectors × {DIM} (clustered)", flush=True)
            exact, t_exact = timed(partial(exact_topk, vectors, 10))
            results = {"EXACT float32 (default)": (exact, t_exact)}
            results["EXACT bf16 + float32 re-rank"] = timed(
                partial(exact_topk, vectors, 10, precision="bfloat16")
            )
            results["ANN usearch HNSW"] = timed(partial(ann_topk, vectors, 10))
            if gds and n <= args.gds_max:
                codes = store(shards, vectors)
                for concurrency in (1, 2):
                    results[f"GDS knn, concurrency {concurrency}"] = timed(
                        partial(
                            compute, shards, codes, vectors, k=10, cutoff=0.0,
                            method=KnnMethod.GDS, gds_concurrency=concurrency,
                        )
                    )  # fmt: skip
            elif not gds:
                print("  (GDS is not on the products shard: its rows are missing)")
            gds_time = min(
                (t for name, (_, t) in results.items() if name.startswith("GDS")), default=None
            )
            print(f"  {'method':<30}{'seconds':>10}{'recall@10':>12}{'GDS time / this':>18}")
            for name, (result, seconds) in results.items():
                recall = recall_at_k(result.indices, exact.indices)
                speedup = f"{gds_time / seconds:17.1f}×" if gds_time else f"{'–':>18}"
                print(f"  {name:<30}{seconds:>10.2f}{recall:>12.4f}{speedup}", flush=True)


if __name__ == "__main__":
    main()
