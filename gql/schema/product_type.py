from __future__ import annotations

from typing import Any, Self

import strawberry

from gql.context import Info
from gql.loaders import resolve
from gql.schema.categories import ProductGroup


@strawberry.type(description="A product type (product_type_no, product_type_name).")
class ProductType:
    number: int
    name: str

    @classmethod
    def from_row(cls, row: dict[str, Any] | None) -> Self | None:
        return None if row is None else cls(number=row["number"], name=row.get("name") or "")

    @strawberry.field
    def product_group(self, info: Info) -> ProductGroup | None:
        loader = info.context.loaders.product_type_group
        return resolve(loader, self.number, ProductGroup.from_row)
