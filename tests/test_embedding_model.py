import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from cypher.loader import text
from embedding.model import DIM, Embedder, EmbeddingConfig, build_embedder, load_embedder

NONE = EmbeddingConfig(weights="none", batch_size=8)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder(NONE)


def garment(colour: tuple[int, int, int], pattern: str, shift: int) -> np.ndarray:
    """A drawn top on white, 224×224, placed a little differently by `shift`."""
    im = Image.new("RGB", (224, 224), "white")
    d = ImageDraw.Draw(im)
    left, top, right, bottom = 50 + shift, 30 + shift, 170 + shift, 200 - shift
    d.rectangle([left, top, right, bottom], fill=colour)
    if pattern == "stripes":
        for y in range(top, bottom, 14):
            d.rectangle([left, y, right, y + 5], fill="white")
    return np.asarray(im)


def images() -> np.ndarray:
    colours = [(200, 30, 30), (30, 160, 60), (30, 50, 190)]
    return np.stack(
        [garment(c, p, s) for c in colours for p in ("solid", "stripes") for s in (0, 8)]
    )


def test_vectors_are_float32_of_the_embedding_width(embedder: Embedder) -> None:
    v = embedder.embed(images()[:3])
    assert v.dtype == np.float32
    assert v.shape == (3, DIM)
    assert embedder.model_id == "resnet50v2/none-seed0"


def test_the_vector_index_is_as_wide_as_the_vectors() -> None:
    # The schema file states the width itself: it must stay equal to the model's.
    assert f"`vector.dimensions`: {DIM}," in text("schema_products")


def test_a_batch_equals_one_image_at_a_time(embedder: Embedder) -> None:
    batch = images()  # 12 images: one full batch of 8 and one padded batch of 4
    together = embedder.embed(batch)
    alone = np.concatenate([embedder.embed(im[None]) for im in batch])
    np.testing.assert_allclose(together, alone, rtol=1e-4, atol=1e-5)


def test_random_weights_are_the_same_in_a_second_build(embedder: Embedder) -> None:
    again = build_embedder(NONE)
    np.testing.assert_array_equal(again.embed(images()[:4]), embedder.embed(images()[:4]))


def test_random_weights_are_the_same_in_another_process(embedder: Embedder, tmp_path: Path) -> None:
    np.save(tmp_path / "in.npy", images()[:2])
    code = (
        "import numpy as np;"
        "from embedding.model import EmbeddingConfig, build_embedder;"
        "m = build_embedder(EmbeddingConfig(weights='none', batch_size=8));"
        f"np.save({str(tmp_path / 'out.npy')!r}, m.embed(np.load({str(tmp_path / 'in.npy')!r})))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
    np.testing.assert_allclose(
        np.load(tmp_path / "out.npy"), embedder.embed(images()[:2]), rtol=1e-5, atol=1e-6
    )


def test_random_weight_vectors_discriminate(embedder: Embedder) -> None:
    v = embedder.embed(images())
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    sim = v @ v.T
    np.fill_diagonal(sim, -1)
    colour = np.repeat(np.arange(3), 4)
    # Different images are clearly not identical...
    assert sim.max() < 0.9999
    # ...and the nearest other image has the same colour.
    assert (colour[sim.argmax(axis=1)] == colour).all()


def test_bfloat16_inference_is_float32_out_and_close() -> None:
    bf16 = build_embedder(EmbeddingConfig(weights="none", batch_size=8, dtype="bfloat16"))
    f32 = load_embedder(NONE)
    a, b = bf16.embed(images()[:4]), f32.embed(images()[:4])
    assert a.dtype == np.float32
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cos.min() > 0.99
    assert bf16.model_id == f32.model_id


# Keras's savers turn each TensorFlow variable into an array with np.array, whose __array__
# takes no `copy` keyword: NumPy 2 warns once per variable (Keras and TensorFlow, not ours).
@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning:keras"
)
@pytest.mark.parametrize("suffix", [".weights.h5", ".keras", ".h5"])
def test_weights_file_loads_the_same_weights(
    embedder: Embedder, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"resnet{suffix}"
    if suffix == ".keras":
        embedder._model.save(path)
    elif suffix == ".h5":  # the legacy layout of Keras's downloaded imagenet file
        import h5py
        from keras.src.legacy.saving import legacy_h5_format

        with h5py.File(path, "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, embedder._model)
    else:
        embedder._model.save_weights(path)
    from_file = build_embedder(EmbeddingConfig(weights=str(path), seed=1, batch_size=8))
    assert from_file.model_id.startswith("resnet50v2/file:")
    # Equal weights in the same architecture give equal vectors; comparing weights skips a trace.
    for a, b in zip(from_file._model.get_weights(), embedder._model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_missing_weights_file_is_an_error() -> None:
    with pytest.raises(FileNotFoundError):
        build_embedder(EmbeddingConfig(weights="/nonexistent/weights.h5"))
