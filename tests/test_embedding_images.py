import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedding.errors import CorruptImage, ImageTooLarge, ImageUnreadable, NotAnImage
from embedding.images import decode_bytes, decode_file


def encode(im: Image.Image, fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def halves(width: int = 1000, height: int = 1500) -> Image.Image:
    """Red left half, blue right half."""
    a = np.zeros((height, width, 3), np.uint8)
    a[:, : width // 2] = (220, 20, 20)
    a[:, width // 2 :] = (20, 20, 220)
    return Image.fromarray(a)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height pixels and whose data is a stub."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def test_a_large_jpeg_becomes_the_whole_frame_at_224() -> None:
    out = decode_bytes(encode(halves()))
    assert out.shape == (224, 224, 3)
    assert out.dtype == np.uint8
    # The frame is stretched, not cropped: both halves survive, left red and right blue.
    assert out[:, :100, 0].mean() > 200 and out[:, :100, 2].mean() < 40
    assert out[:, 124:, 2].mean() > 200 and out[:, 124:, 0].mean() < 40


def test_reduced_scale_decode_is_close_to_a_full_decode() -> None:
    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (30, 20, 3), dtype=np.uint8)
    im = Image.fromarray(small).resize((1000, 1500), Image.Resampling.BICUBIC)
    data = encode(im)
    full = np.asarray(
        Image.open(io.BytesIO(data)).convert("RGB").resize((224, 224), Image.Resampling.BILINEAR)
    )
    assert np.abs(decode_bytes(data).astype(int) - full).mean() < 3


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK"])
def test_other_modes_become_rgb(mode: str) -> None:
    fmt = "JPEG" if mode in ("L", "CMYK") else "PNG"
    assert decode_bytes(encode(halves(300, 400).convert(mode), fmt)).shape == (224, 224, 3)


def test_a_truncated_jpeg_is_corrupt() -> None:
    data = encode(halves())
    with pytest.raises(CorruptImage) as e:
        decode_bytes(data[: len(data) // 2])
    assert e.value.code == "CORRUPT_IMAGE"


@pytest.mark.parametrize("data", [b"", b"hello, not an image", bytes(range(256)) * 10])
def test_non_images_are_not_images(data: bytes) -> None:
    with pytest.raises(NotAnImage) as e:
        decode_bytes(data)
    assert e.value.code == "NOT_AN_IMAGE"


def test_too_many_bytes_is_too_large() -> None:
    with pytest.raises(ImageTooLarge) as e:
        decode_bytes(encode(halves()), max_bytes=1000)
    assert e.value.code == "IMAGE_TOO_LARGE"


def test_too_many_pixels_is_too_large() -> None:
    with pytest.raises(ImageTooLarge):
        decode_bytes(encode(halves()), max_pixels=1000 * 1499)


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    # 100,000 × 100,000 claimed: past Pillow's own limit, refused before any decoding.
    with pytest.raises(ImageTooLarge):
        decode_bytes(png_header_only(100_000, 100_000))
    # 8,000 × 8,000 (64 MP) is under Pillow's limit but over ours.
    with pytest.raises(ImageTooLarge):
        decode_bytes(png_header_only(8_000, 8_000))


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ImageUnreadable) as e:
        decode_file(tmp_path / "nope.jpg")
    assert e.value.code == "IMAGE_UNREADABLE"
    assert e.value.reason.startswith("IMAGE_UNREADABLE: ")
