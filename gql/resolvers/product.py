from __future__ import annotations

import strawberry

from gql import arguments
from gql.context import Info
from gql.schema.product import Product


async def product(info: Info, code: strawberry.ID) -> Product | None:
    row = await info.context.loaders.product.load(arguments.product_code(code))
    return None if row is None else Product.from_row(row)
