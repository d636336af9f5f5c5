"""The ResNet50V2 image embedder: one model per process, fixed-shape batched inference.

Weights come from the config: "imagenet" (production; Keras downloads and caches the file), a local
weights file (.h5, .weights.h5 or .keras), or "none" (random initialisation from a fixed seed, for
tests and offline runs). `model_id` names the weights, so vectors with the same id are comparable;
float32 and bfloat16 inference of the same weights share an id (see `Embedder.dtype`).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    import tensorflow as tf

log = logging.getLogger(__name__)

ARCH = "resnet50v2"
IMAGE_SIZE = 224
DIM = 2048  # the embedding width: ResNet50V2's pooled features


@dataclass(frozen=True)
class EmbeddingConfig:
    weights: str = "imagenet"  # "imagenet" | "none" | path to a weights file
    batch_size: int = 32
    dtype: Literal["float32", "bfloat16"] = "float32"
    seed: int = 0  # only used by weights="none"
    # The thread budget on a small machine: the model owns the cores. JPEG decode threads
    # (embedding.pipeline) run at a lower priority, in the model's gaps; TensorFlow gets one
    # intra-op thread per core (0) and one inter-op thread, since ResNet is one chain of ops and
    # a second inter-op thread only preempts the threads running each convolution. Set once per
    # process, before TensorFlow's first op.
    decode_workers: int = 2
    intra_op_threads: int = 0
    inter_op_threads: int = 1


class Embedder:
    """A built model and its compiled forward pass: images in, unnormalised float32 vectors out."""

    def __init__(self, model: Any, model_id: str, config: EmbeddingConfig) -> None:
        import tensorflow as tf

        self.model_id = model_id
        self.batch_size = config.batch_size
        self.dtype = config.dtype
        self.decode_workers = config.decode_workers
        self._model = model
        # Called with two shapes only ([1, ...] and [batch_size, ...]), so it traces twice at most.
        self._forward = tf.function(self._forward_impl)

    def _forward_impl(self, images: tf.Tensor) -> tf.Tensor:
        import tensorflow as tf
        from keras.applications import resnet_v2

        x = resnet_v2.preprocess_input(tf.cast(images, tf.float32))
        return tf.cast(self._model(x, training=False), tf.float32)

    def embed(self, images: np.ndarray) -> np.ndarray:
        """[n, 224, 224, 3] RGB (uint8, or float 0..255) → float32 [n, DIM].

        One image runs alone; more run in full batches, the last one padded with zeros.
        """
        if images.ndim != 4 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 3):
            raise ValueError(f"expected [n, {IMAGE_SIZE}, {IMAGE_SIZE}, 3], got {images.shape}")
        n = len(images)
        if n == 0:
            return np.empty((0, DIM), np.float32)
        if n == 1:
            return np.asarray(self._forward(images))
        out = np.empty((n, DIM), np.float32)
        for start in range(0, n, self.batch_size):
            chunk = images[start : start + self.batch_size]
            m = len(chunk)
            if m < self.batch_size:
                pad = np.zeros((self.batch_size - m, *chunk.shape[1:]), chunk.dtype)
                chunk = np.concatenate([chunk, pad])
            out[start : start + m] = np.asarray(self._forward(chunk))[:m]
        return out

    def warmup(self) -> None:
        """Trace both input shapes now rather than on the first request."""
        self.embed(np.zeros((1, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8))
        self.embed(np.zeros((2, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8))


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:12]


def _set_threads(config: EmbeddingConfig) -> None:
    import tensorflow as tf

    threading = tf.config.threading
    wanted = (config.intra_op_threads, config.inter_op_threads)
    if (
        threading.get_intra_op_parallelism_threads(),
        threading.get_inter_op_parallelism_threads(),
    ) == wanted:
        return
    try:
        threading.set_intra_op_parallelism_threads(config.intra_op_threads)
        threading.set_inter_op_parallelism_threads(config.inter_op_threads)
    except RuntimeError:  # TensorFlow already ran an op in this process: its pools stay
        log.info("TensorFlow thread pools already set; keeping them")


def build_embedder(config: EmbeddingConfig) -> Embedder:
    """Build a fresh model (seconds). Servers and jobs want `load_embedder`, which caches it."""
    import keras

    _set_threads(config)

    path: Path | None = None
    if config.weights == "imagenet":
        keras_weights: str | None = "imagenet"
        model_id = f"{ARCH}/imagenet"
    elif config.weights == "none":
        keras_weights = None
        model_id = f"{ARCH}/none-seed{config.seed}"
        log.warning(
            "EMBEDDING WEIGHTS ARE RANDOM (weights='none', seed=%d): vectors are deterministic "
            "but not a trained visual model; neighbours follow colour and layout only and cosine "
            "scores crowd into 0.9-1.0, so cutoffs tuned on imagenet weights do not carry over.",
            config.seed,
        )
        # Seeds Python, NumPy and TensorFlow so every process initialises the same weights.
        keras.utils.set_random_seed(config.seed)
    else:
        path = Path(config.weights)
        if not path.is_file():
            raise FileNotFoundError(f"embedding weights file not found: {path}")
        keras_weights = None
        model_id = f"{ARCH}/file:{_file_digest(path)}"

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16" if config.dtype == "bfloat16" else "float32")
    try:
        model = keras.applications.ResNet50V2(
            include_top=False,
            weights=keras_weights,
            pooling="avg",
            input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3),
        )
    finally:
        keras.config.set_dtype_policy(previous)
    if path is not None:
        # Keras reads all three formats here; the variables stay float32 under mixed precision.
        model.load_weights(str(path))
    return Embedder(model, model_id, config)


@lru_cache(maxsize=1)
def load_embedder(config: EmbeddingConfig) -> Embedder:
    """The process's one model (built on first use, then cached)."""
    return build_embedder(config)
