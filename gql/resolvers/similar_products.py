from __future__ import annotations

import strawberry

from gql import arguments
from gql.context import Info
from gql.schema import product
from gql.schema.similarity import Similarity


async def similar_products(
    info: Info,
    code: strawberry.ID,
    top_k: int | None = 10,
    same_department: bool | None = False,
    min_score: float | None = None,
) -> list[Similarity]:
    code = strawberry.ID(arguments.product_code(code))
    return await product.similar(info, code, top_k, same_department, min_score)
