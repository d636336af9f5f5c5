"""Why one image could not be embedded. Each error carries a stable `code` for API clients.

ImageError                 (code: the subclass's)
├── NotAnImage             NOT_AN_IMAGE       empty, or no image format Pillow recognises
├── CorruptImage           CORRUPT_IMAGE      recognised, but truncated or undecodable
├── ImageTooLarge          IMAGE_TOO_LARGE    over the byte or pixel limit (decompression bombs)
└── ImageUnreadable        IMAGE_UNREADABLE   the file could not be read (missing, permissions)
"""

from __future__ import annotations

from typing import ClassVar


class ImageError(Exception):
    code: ClassVar[str] = "IMAGE_ERROR"

    @property
    def reason(self) -> str:
        """`CODE: detail`, the form `embed_files` reports failures in."""
        return f"{self.code}: {self}"


class NotAnImage(ImageError):
    code = "NOT_AN_IMAGE"


class CorruptImage(ImageError):
    code = "CORRUPT_IMAGE"


class ImageTooLarge(ImageError):
    code = "IMAGE_TOO_LARGE"


class ImageUnreadable(ImageError):
    code = "IMAGE_UNREADABLE"
