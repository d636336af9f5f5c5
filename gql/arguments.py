"""Argument checks shared by several fields; each failure is an InvalidArgument (BAD_USER_INPUT)."""

from __future__ import annotations

from fabric_gql.errors import InvalidArgument
from hm.reader import pad_id


def in_range(name: str, value: int | None, low: int, high: int, default: int) -> int:
    """The value, or its default when the client passed null; an error outside low..high."""
    if value is None:
        return default
    if not low <= value <= high:
        raise InvalidArgument(f"{name} must be between {low} and {high}, got {value}")
    return value


def product_code(code: str) -> str:
    """'108775015' -> '0108775015': ids read as numbers lose their leading zero."""
    code = code.strip()
    return pad_id(code) if code.isdigit() else code
