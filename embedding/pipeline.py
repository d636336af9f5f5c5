"""Batch embedding: decode files in a thread pool while the model runs on the previous batch.

Pillow releases the GIL while decoding, so `workers` threads decode the next batches in parallel
with inference. A file that fails is reported with its key and a `CODE: detail` reason; the run
goes on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import NamedTuple

import numpy as np

from embedding.errors import ImageError
from embedding.images import MAX_BYTES, MAX_PIXELS, decode_bytes, decode_file
from embedding.model import DIM, Embedder


class EmbeddedBatch(NamedTuple):
    keys: list[Hashable]
    vectors: np.ndarray  # float32 [len(keys), DIM], row i belongs to keys[i]
    failures: list[tuple[Hashable, str]]  # (key, "CODE: detail")


def embed_files(
    items: Iterable[tuple[Hashable, str | Path]],
    model: Embedder,
    batch_size: int | None = None,
    *,
    workers: int = 2,
    prefetch: int = 2,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> Generator[EmbeddedBatch, None, None]:
    """Embed `(key, path)` items lazily, one `EmbeddedBatch` per `batch_size` items, in input order.

    Up to `prefetch` batches are decoding while one is in the model.
    """
    size = batch_size or model.batch_size
    it = iter(items)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed-decode")
    pending: deque[list[tuple[Hashable, Future[np.ndarray]]]] = deque()

    def decode(path: str | Path) -> np.ndarray:
        return decode_file(path, max_bytes=max_bytes, max_pixels=max_pixels)

    def submit_next() -> None:
        chunk = list(islice(it, size))
        if chunk:
            pending.append([(key, pool.submit(decode, path)) for key, path in chunk])

    try:
        for _ in range(max(1, prefetch)):
            submit_next()
        while pending:
            chunk = pending.popleft()
            submit_next()
            keys: list[Hashable] = []
            arrays: list[np.ndarray] = []
            failures: list[tuple[Hashable, str]] = []
            for key, future in chunk:
                try:
                    arrays.append(future.result())
                    keys.append(key)
                except ImageError as e:
                    failures.append((key, e.reason))
            vectors = model.embed(np.stack(arrays)) if arrays else np.empty((0, DIM), np.float32)
            yield EmbeddedBatch(keys, vectors, failures)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def embed_image_bytes(
    data: bytes, *, model: Embedder, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> np.ndarray:
    """One uploaded image → float32 [DIM].

    Raises `NotAnImage`, `CorruptImage` or `ImageTooLarge` (all `ImageError`, each with a `code`).
    """
    image = decode_bytes(data, max_bytes=max_bytes, max_pixels=max_pixels)
    return model.embed(image[None])[0, :]
