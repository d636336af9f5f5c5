"""Images per second from JPEG files to vectors stored in Neo4j: the project's pipeline (parallel
reduced-scale decode, batched inference, UNWIND writes) against the reference (Keras `load_img`,
one `predict` per image, one write transaction per product), plus the model-only rate on random
input (the limit). Same images, same servers, same run. Run it with `bench/embed`.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from cypher.shards import Shard, SyncShards
from fabric_gql.settings import get_settings
from hm.generate import generate
from ingest.load import load_dataset
from ingest.reset import reset_shards
from jobs.embed import embed_work, embedding_config
from jobs.runner import Progress


def reference(shards: SyncShards, items: list[tuple[str, Path]], model_id: str) -> float:
    """The reference notebook's loop. Returns seconds for all items."""
    import keras
    from keras.applications import resnet_v2

    weights = get_settings().embedding_weights
    model = keras.applications.ResNet50V2(
        include_top=False, pooling="avg", input_shape=(224, 224, 3),
        weights=None if weights == "none" else weights,
    )  # fmt: skip
    started = time.perf_counter()
    for code, path in items:
        image = keras.utils.load_img(path, target_size=(224, 224))
        x = resnet_v2.preprocess_input(keras.utils.img_to_array(image)[None])
        vector = model.predict(x, verbose=0)[0]
        # One write transaction per product, with the project's own write query.
        rows = [{"code": code, "vector": vector.astype(float).tolist()}]
        shards.write(Shard.PRODUCTS, "embed_write", rows=rows, model=model_id)
    return time.perf_counter() - started


def model_only(batch: int, rounds: int) -> float:
    """Images per second of the pipeline's own model (same weights, dtype and batch size) on
    random input, after a warm-up batch."""
    from embedding.model import load_embedder

    embedder = load_embedder(embedding_config(get_settings()))
    x = np.random.default_rng(0).integers(0, 255, (batch, 224, 224, 3)).astype(np.uint8)
    embedder.embed(x)  # trace and warm up
    started = time.perf_counter()
    for _ in range(rounds):
        embedder.embed(x)
    return batch * rounds / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--reference-images", type=int, default=64)
    args = parser.parse_args()

    settings = get_settings()
    root = settings.data_dir / f"embed-{args.images}"
    if not (root / "articles.csv").is_file():
        # Every generated article without an image is skipped, so ask for a few more.
        generate(root, articles=int(args.images * 1.1) + 1, customers=10, transactions=10, seed=3)
    settings = settings.model_copy(update={"dataset_dir": root})
    with SyncShards(settings) as shards:
        reset_shards(shards)
        load_dataset(shards, root)
        work = embed_work(settings)
        codes = [r["code"] for r in shards.read(
            Shard.PRODUCTS, "embed_candidates", codes=None, onlyMissing=False, model=""
        )][: args.images]  # fmt: skip
        from embedding.model import load_embedder

        embedder = load_embedder(embedding_config(settings))
        embedder.warmup()
        # The pipeline is warmed as the model is: one batch through decode, model and write
        # (the write query's plan and the server's JIT), re-embedded in the timed run.
        work(shards, {"codes": codes[: settings.embedding_batch_size], "onlyMissing": False},
             Progress())  # fmt: skip
        # The limit on the same model, batch size and dtype, just before and just after the
        # pipeline: the machine is shared, so the pipeline is compared with the mean of the two.
        load_before = os.getloadavg()[0]
        before = model_only(settings.embedding_batch_size, 6)
        started = time.perf_counter()
        summary = work(shards, {"codes": codes, "onlyMissing": False}, Progress())
        ours = len(codes) / (time.perf_counter() - started)
        after = model_only(settings.embedding_batch_size, 6)
        load_after = os.getloadavg()[0]
        limit = (before + after) / 2

        from hm.reader import image_path

        items = [(c, image_path(root, c)) for c in codes[: args.reference_images]]
        ref = len(items) / reference(shards, items, embedder.model_id)  # type: ignore[arg-type]

    print(f"\nEmbedding benchmark ({embedder.model_id}, {embedder.dtype}, "
          f"batch {settings.embedding_batch_size}; JPEGs of {root.name})")  # fmt: skip
    print(f"  project pipeline, JPEG → Neo4j : {ours:7.1f} images/s ({len(codes)} images)")
    print(f"  reference, JPEG → Neo4j        : {ref:7.1f} images/s ({len(items)} images)")
    print(f"  model only, random input       : {limit:7.1f} images/s (the limit: "
          f"{before:.1f} before, {after:.1f} after the pipeline)")  # fmt: skip
    print(f"  the job's own summary          : {summary}")
    print(f"  project / reference            : {ours / ref:7.2f}×  (goal ≥ 6×)")
    print(f"  project / model only           : {ours / limit:7.2f}   (goal ≥ 0.8)")
    print(f"  load average (1 min)           : {load_before:.1f} before, {load_after:.1f} after "
          f"({os.cpu_count()} cores)")  # fmt: skip


if __name__ == "__main__":
    main()
