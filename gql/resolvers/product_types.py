from __future__ import annotations

from cypher.shards import Shard
from gql.context import Info
from gql.schema.product_type import ProductType


async def product_types(info: Info) -> list[ProductType]:
    rows = await info.context.federation.read(Shard.TRANSACTIONS, "product_types")
    return [ProductType.from_row(r["productType"]) for r in rows]
