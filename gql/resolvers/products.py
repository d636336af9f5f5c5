from __future__ import annotations

from gql.context import Info
from gql.schema.connection import ProductConnection, product_page
from gql.schema.product_filter import ProductFilter


async def products(
    info: Info,
    filter: ProductFilter | None = None,
    first: int | None = 20,
    after: str | None = None,
) -> ProductConnection:
    return await product_page(info, filter, first, after)
