"""Batch embedding: decode files in a thread pool while the model runs on the previous batch.

Pillow releases the GIL while decoding, so `workers` threads decode the next batches in parallel
with inference. They run at a lower priority (`DECODE_NICE`): on a machine with few cores a
decode thread that preempts one of the model's threads stalls the whole convolution, while
decode, a small share of the work, fits in the model's gaps with batches to spare. A file that
fails is reported with its key and a `CODE: detail` reason; the run goes on.
"""

from __future__ import annotations

import contextlib
import os
import threading
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

# Linux niceness of the decode threads: CFS then gives a busy model thread three times their
# share, yet they keep enough of a loaded machine to stay batches ahead.
DECODE_NICE = 5


def _lower_priority() -> None:
    # On Linux a thread id names the one thread; elsewhere the call is missing or refused.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), DECODE_NICE)


class EmbeddedBatch(NamedTuple):
    keys: list[Hashable]
    vectors: np.ndarray  # float32 [len(keys), DIM], row i belongs to keys[i]
    failures: list[tuple[Hashable, str]]  # (key, "CODE: detail")


def embed_files(
    items: Iterable[tuple[Hashable, str | Path]],
    model: Embedder,
    batch_size: int | None = None,
    *,
    workers: int | None = None,
    prefetch: int = 2,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> Generator[EmbeddedBatch, None, None]:
    """Embed `(key, path)` items lazily, one `EmbeddedBatch` per `batch_size` items, in input order.

    Up to `prefetch` batches are decoding while one is in the model, by `workers` threads
    (default: the model's `decode_workers`).
    """
    size = batch_size or model.batch_size
    it = iter(items)
    pool = ThreadPoolExecutor(
        max_workers=workers or model.decode_workers,
        thread_name_prefix="embed-decode",
        initializer=_lower_priority,
    )
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
