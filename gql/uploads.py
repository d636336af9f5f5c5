"""Uploaded images (embedImage, searchByImage): read within the byte limit and embedded with the
process's model in a worker thread. An image the model cannot use is an `ImageRejected` carrying
the image error's own code (NOT_AN_IMAGE, CORRUPT_IMAGE, IMAGE_TOO_LARGE)."""

from __future__ import annotations

import asyncio

import numpy as np
from starlette.datastructures import UploadFile

from embedding.errors import ImageError, ImageTooLarge
from embedding.model import Embedder
from embedding.pipeline import embed_image_bytes
from fabric_gql.errors import ImageRejected, InvalidArgument
from gql.context import Info


async def read_upload(upload: object, max_bytes: int) -> bytes:
    if not isinstance(upload, UploadFile):
        raise InvalidArgument("the image must be sent as a file in a multipart request")
    if upload.size is not None and upload.size > max_bytes:
        raise ImageRejected(
            ImageTooLarge.code, f"the image is {upload.size} bytes; the limit is {max_bytes}"
        )
    # One byte over the limit is enough for the decoder to refuse it.
    return await upload.read(max_bytes + 1)


async def embed_upload(info: Info, upload: object) -> tuple[np.ndarray, Embedder]:
    """The upload's vector (float32 [DIM]) and the model that made it."""
    settings = info.context.settings
    data = await read_upload(upload, settings.upload_max_bytes)
    model = await info.context.background.embedder()
    try:
        vector = await asyncio.to_thread(
            embed_image_bytes,
            data,
            model=model,
            max_bytes=settings.upload_max_bytes,
            max_pixels=settings.upload_max_pixels,
        )
    except ImageError as exc:
        raise ImageRejected(exc.code, f"the upload is not a usable image: {exc}") from exc
    return vector, model
