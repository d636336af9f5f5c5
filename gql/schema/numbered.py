"""Department and ProductType: a category keyed by its number, with a name, read from one row
shape (`NumberedRow`) by one `from_row`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self, overload

from gql.loaders import NumberedRow


@dataclass
class Numbered:
    number: int
    name: str

    # A row of a list is never null; a loader's value is null where there is none.
    @overload
    @classmethod
    def from_row(cls, row: NumberedRow) -> Self: ...
    @overload
    @classmethod
    def from_row(cls, row: NumberedRow | None) -> Self | None: ...
    @classmethod
    def from_row(cls, row: NumberedRow | None) -> Self | None:
        return None if row is None else cls(number=row["number"], name=row["name"] or "")
