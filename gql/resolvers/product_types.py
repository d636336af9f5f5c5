from __future__ import annotations

from cypher.shards import Shard
from gql.context import Info
from gql.schema.product_type import ProductType


async def product_types(info: Info) -> list[ProductType]:
    rows = await info.context.federation.read(Shard.TRANSACTIONS, "product_types")
    return [
        ProductType(number=r["productType"]["number"], name=r["productType"].get("name") or "")
        for r in rows
    ]
