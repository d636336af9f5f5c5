import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedding.errors import CorruptImage, ImageError, ImageTooLarge, NotAnImage
from embedding.images import decode_file
from embedding.model import DIM, Embedder, EmbeddingConfig, load_embedder
from embedding.pipeline import embed_files, embed_image_bytes


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder(EmbeddingConfig(weights="none", batch_size=8))


def jpeg(colour: tuple[int, int, int], stripes: bool = False) -> bytes:
    a = np.full((1500, 1000, 3), colour, np.uint8)
    if stripes:
        a[::40] = 255
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("images")
    contents = {
        "red": jpeg((200, 30, 30)),
        "green": jpeg((30, 160, 60), stripes=True),
        "truncated": jpeg((30, 50, 190))[:5000],
        "blue": jpeg((30, 50, 190)),
        "text": b"not an image",
        "pink": jpeg((240, 150, 180)),
    }
    paths = {key: root / f"{key}.jpg" for key in contents}
    for key, data in contents.items():
        paths[key].write_bytes(data)
    paths["missing"] = root / "missing.jpg"
    return paths


def test_failing_files_are_reported_and_the_others_embedded(
    embedder: Embedder, files: dict[str, Path]
) -> None:
    batches = list(embed_files(files.items(), embedder, batch_size=3))
    assert len(batches) == 3
    keys = [k for b in batches for k in b.keys]
    failures = dict(f for b in batches for f in b.failures)
    assert keys == ["red", "green", "blue", "pink"]
    assert failures.keys() == {"truncated", "text", "missing"}
    assert failures["truncated"].startswith("CORRUPT_IMAGE: ")
    assert failures["text"].startswith("NOT_AN_IMAGE: ")
    assert failures["missing"].startswith("IMAGE_UNREADABLE: ")
    for b in batches:
        assert b.vectors.shape == (len(b.keys), DIM)
        assert b.vectors.dtype == np.float32


def test_pipeline_vectors_equal_embedding_the_decoded_images(
    embedder: Embedder, files: dict[str, Path]
) -> None:
    (batch,) = embed_files([("red", files["red"]), ("blue", files["blue"])], embedder)
    expected = embedder.embed(np.stack([decode_file(files["red"]), decode_file(files["blue"])]))
    np.testing.assert_allclose(batch.vectors, expected, rtol=1e-4, atol=1e-5)


def test_a_batch_of_only_failures_has_no_vectors(
    embedder: Embedder, files: dict[str, Path]
) -> None:
    (batch,) = embed_files([("text", files["text"])], embedder)
    assert batch.keys == [] and batch.vectors.shape == (0, DIM)


def test_stopping_early_does_not_hang(embedder: Embedder, files: dict[str, Path]) -> None:
    many = [(i, files["red"]) for i in range(40)]
    stream = embed_files(many, embedder, batch_size=4)
    next(stream)
    stream.close()


def test_an_upload_is_embedded(embedder: Embedder, files: dict[str, Path]) -> None:
    vector = embed_image_bytes(files["red"].read_bytes(), model=embedder)
    assert vector.shape == (DIM,) and vector.dtype == np.float32
    batch = embedder.embed(decode_file(files["red"])[None])[0]
    np.testing.assert_allclose(vector, batch, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", NotAnImage),
        (b"GIF89a garbage", NotAnImage),
        (jpeg((1, 2, 3))[:3000], CorruptImage),
        (b"x" * 200_000, ImageTooLarge),
    ],
)
def test_bad_uploads_raise_typed_errors(
    embedder: Embedder, data: bytes, error: type[ImageError]
) -> None:
    with pytest.raises(error):
        embed_image_bytes(data, model=embedder, max_bytes=100_000)
