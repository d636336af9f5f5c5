"""The embedding job: product images → ResNet50V2 vectors on the products shard.

Products without an image get no embedding; an unreadable image is counted, reported per
product (`embedError`) and never stops the run. Vectors are written in UNWIND batches.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from cypher.shards import Shard, SyncShards
from embedding.model import EmbeddingConfig, load_embedder
from embedding.pipeline import embed_files
from fabric_gql.settings import Settings
from hm.reader import image_path
from jobs.runner import Progress, Work

KIND = "EMBED_IMAGES"
WRITE_BATCH = 128


def native_bfloat16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def embedding_config(settings: Settings) -> EmbeddingConfig:
    dtype = settings.embedding_dtype
    if dtype == "auto":
        dtype = "bfloat16" if native_bfloat16() else "float32"
    return EmbeddingConfig(
        weights=settings.embedding_weights,
        batch_size=settings.embedding_batch_size,
        dtype=dtype,
        seed=settings.embedding_seed,
    )


def embed_work(settings: Settings) -> Work:
    def work(shards: SyncShards, params: dict[str, Any], progress: Progress) -> str:
        embedder = load_embedder(embedding_config(settings))
        rows = shards.read(
            Shard.PRODUCTS,
            "embed_candidates",
            codes=params.get("codes"),
            onlyMissing=params.get("onlyMissing", True),
            model=embedder.model_id,
        )
        progress.set_total(len(rows))
        items, no_image = [], []
        for row in rows:
            path = image_path(settings.dataset_dir, row["code"]) if row["hasImage"] else None
            if path is None:
                no_image.append(row["code"])
            else:
                items.append((row["code"], path))
        if no_image:  # asked for by code but without an image: nothing to embed, not an error
            progress.advance(processed=len(no_image))

        # Vectors are written by one background thread, so the model never waits on Neo4j;
        # at most two writes are in flight, which bounds memory.
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed-write")
        in_flight: deque[Future[Any]] = deque()
        pending: list[dict[str, Any]] = []
        written = failed = 0

        def write(name: str, **params: Any) -> None:
            while len(in_flight) >= 2:
                in_flight.popleft().result()
            in_flight.append(writer.submit(shards.write, Shard.PRODUCTS, name, **params))

        def flush() -> None:
            nonlocal pending, written
            if pending:
                write("embed_write", rows=pending, model=embedder.model_id)
                written += len(pending)
                pending = []

        try:
            for batch in embed_files(items, embedder):
                progress.check()
                pending.extend(
                    {"code": code, "vector": vector.astype(np.float64).tolist()}
                    for code, vector in zip(batch.keys, batch.vectors, strict=True)
                )
                if len(pending) >= WRITE_BATCH:
                    flush()
                if batch.failures:
                    failures = [{"code": str(c), "reason": why} for c, why in batch.failures]
                    write("embed_failures", rows=failures)
                    failed += len(failures)
                progress.advance(
                    processed=len(batch.keys) + len(batch.failures),
                    failed=len(batch.failures),
                    failures=[f"{code}: {reason}" for code, reason in batch.failures],
                )
            flush()
            for future in in_flight:
                future.result()  # a failed write fails the job
        finally:
            writer.shutdown(wait=True, cancel_futures=True)
        return (
            f"embedded {written} products with {embedder.model_id}; {failed} images failed; "
            f"{len(no_image)} without an image"
        )

    return work
