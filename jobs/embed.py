"""The embedding job: product images → ResNet50V2 vectors on the products shard.

Products without an image get no embedding; an unreadable image is counted, reported per
product (`embedError`) and never stops the run. Vectors are written one UNWIND batch per model
batch; `processed` counts what has been stored.
"""

from __future__ import annotations

import logging
import time
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

log = logging.getLogger("fabric_gql.jobs.embed")


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

        # Each model batch is stored before the model starts the next, and counts as processed
        # only once its write has committed: a process killed at any point loses at most the one
        # batch it holds (the re-run embeds exactly the products without a vector). The decode
        # threads keep preparing the next batches meanwhile, so the model waits only for the
        # write (about 65 ms for 32 vectors against 0.6 s of inference on 2 cores). Writing
        # beside the model's next batch instead measured slower there (0.71 of the model-only
        # rate against 0.77): the server's work then takes the model's cores.
        embedded = written = failed = 0
        began = time.perf_counter()
        write_s = 0.0
        for batch in embed_files(items, embedder):
            writing = time.perf_counter()
            progress.check()
            embedded += len(batch.keys)
            log.info("embedding: %d embedded, %d stored", embedded, written)
            if batch.keys:
                as_lists = batch.vectors.astype(np.float64).tolist()
                vectors = [
                    {"code": code, "vector": vector}
                    for code, vector in zip(batch.keys, as_lists, strict=True)
                ]
                shards.write(Shard.PRODUCTS, "embed_write", rows=vectors, model=embedder.model_id)
                written += len(vectors)
            if batch.failures:
                failures = [{"code": str(c), "reason": why} for c, why in batch.failures]
                shards.write(Shard.PRODUCTS, "embed_failures", rows=failures)
                failed += len(failures)
            write_s += time.perf_counter() - writing
            progress.advance(
                processed=len(batch.keys) + len(batch.failures),
                failed=len(batch.failures),
                failures=[f"{code}: {reason}" for code, reason in batch.failures],
            )
        return (
            f"embedded {written} products with {embedder.model_id}; {failed} images failed; "
            f"{len(no_image)} without an image; {time.perf_counter() - began:.1f} s, of which "
            f"writes {write_s:.1f} s"
        )

    return work
