"""The catalogue's category nodes: each a key and a name, as in articles.csv.

Kept together because each is a leaf with nothing to resolve; the types with relationships
(Department, ProductType) have their own modules.
"""

from __future__ import annotations

from typing import Self

import strawberry

from cypher.shards import Row


@strawberry.type(description="A section of the store (section_no, section_name).")
class Section:
    number: int
    name: str | None

    @classmethod
    def from_row(cls, row: Row | None) -> Self | None:
        return None if row is None else cls(number=row["number"], name=row.get("name"))


@strawberry.type(description="A product group (product_group_name), above product types.")
class ProductGroup:
    name: str

    @classmethod
    def from_row(cls, row: Row | None) -> Self | None:
        return None if row is None else cls(name=row["name"])


@strawberry.type(description="An index (index_code, index_name), e.g. A / Ladieswear.")
class Index:
    code: str
    name: str | None

    @classmethod
    def from_row(cls, row: Row | None) -> Self | None:
        return None if row is None else cls(code=row["code"], name=row.get("name"))


@strawberry.type(description="An index group (index_group_no, index_group_name).")
class IndexGroup:
    number: int
    name: str | None

    @classmethod
    def from_row(cls, row: Row | None) -> Self | None:
        return None if row is None else cls(number=row["number"], name=row.get("name"))


@strawberry.type(description="A garment group (garment_group_no, garment_group_name).")
class GarmentGroup:
    number: int
    name: str | None

    @classmethod
    def from_row(cls, row: Row | None) -> Self | None:
        return None if row is None else cls(number=row["number"], name=row.get("name"))


@strawberry.type(description="A graphical appearance (graphical_appearance_no / _name).")
class GraphicalAppearance:
    number: int
    name: str | None

    @classmethod
    def from_row(cls, row: Row | None) -> Self | None:
        return None if row is None else cls(number=row["number"], name=row.get("name"))


@strawberry.type(description="A colour group (colour_group_code, colour_group_name).")
class ColourGroup:
    code: int
    name: str | None

    @classmethod
    def from_row(cls, row: Row | None) -> Self | None:
        return None if row is None else cls(code=row["code"], name=row.get("name"))


@strawberry.type(description="A perceived colour value (perceived_colour_value_id / _name).")
class PerceivedColourValue:
    id: int
    name: str | None

    @classmethod
    def from_row(cls, row: Row | None) -> Self | None:
        return None if row is None else cls(id=row["id"], name=row.get("name"))


@strawberry.type(description="A perceived colour master (perceived_colour_master_id / _name).")
class PerceivedColourMaster:
    id: int
    name: str | None

    @classmethod
    def from_row(cls, row: Row | None) -> Self | None:
        return None if row is None else cls(id=row["id"], name=row.get("name"))
