"""Decode one image into the model's 224×224 RGB input, fast and defensively.

JPEGs are decoded at reduced scale (`Image.draft`: libjpeg's DCT scaling to the smallest of 1/2,
1/4, 1/8 that still covers 224×224; a 1000×1500 photo decodes at 250×375, about 1/16 of the work),
then resized to 224×224. Like `keras.utils.load_img(path, target_size=(224, 224))` this stretches
the whole frame to a square (no crop, no aspect-ratio padding, no EXIF rotation) and drops any
alpha channel; unlike it, the filter is DCT downscaling plus antialiased bilinear rather than
nearest-neighbour on the full image, so thin stripes are averaged rather than aliased. Vectors
therefore differ slightly from the reference pipeline's (measured in the embedding report).

The pixel limit is checked on the header, before any pixel data is decoded.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from embedding.errors import CorruptImage, ImageTooLarge, ImageUnreadable, NotAnImage
from embedding.model import IMAGE_SIZE

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000  # H&M photos are 1.7 MP; Pillow's own bomb warning starts at 89 MP


def decode_bytes(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> np.ndarray:
    """Encoded image → uint8 [224, 224, 3]. Raises an `ImageError` subclass."""
    if len(data) > max_bytes:
        raise ImageTooLarge(f"{len(data)} bytes, limit {max_bytes}")
    if not data:
        raise NotAnImage("empty")
    try:
        im = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as e:
        raise NotAnImage("unrecognised image format") from e
    except Image.DecompressionBombError as e:
        raise ImageTooLarge(str(e)) from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise CorruptImage(f"{type(e).__name__}: {e}") from e
    with im:
        width, height = im.size
        if width * height > max_pixels:
            raise ImageTooLarge(f"{width}x{height} pixels, limit {max_pixels}")
        if width == 0 or height == 0:
            raise CorruptImage(f"{width}x{height} pixels")
        try:
            im.draft("RGB", (IMAGE_SIZE, IMAGE_SIZE))
            rgb = im.convert("RGB")
            if rgb.size != (IMAGE_SIZE, IMAGE_SIZE):
                rgb = rgb.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR)
        # Pillow's decoders raise a spread of types on hostile input; none may stop a batch run.
        except Exception as e:
            raise CorruptImage(f"{type(e).__name__}: {e}") from e
        return np.asarray(rgb, dtype=np.uint8)


def decode_file(
    path: str | Path, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> np.ndarray:
    """Like `decode_bytes`; a file that cannot be read raises `ImageUnreadable`."""
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise ImageUnreadable(f"{type(e).__name__}: {e.strerror or e}") from e
    return decode_bytes(data, max_bytes=max_bytes, max_pixels=max_pixels)
