from __future__ import annotations

import strawberry

from gql.context import Info
from gql.loaders import resolve
from gql.schema.categories import ProductGroup
from gql.schema.numbered import Numbered


@strawberry.type(description="A product type (product_type_no, product_type_name).")
class ProductType(Numbered):
    @strawberry.field
    def product_group(self, info: Info) -> ProductGroup | None:
        loader = info.context.loaders.product_type_group
        return resolve(loader, self.number, ProductGroup.from_row)
