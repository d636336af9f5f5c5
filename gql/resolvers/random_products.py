from __future__ import annotations

import random

from cypher.shards import Shard
from gql import arguments
from gql.context import Info
from gql.schema.product import Product

# The sample orders products by (code * a + b) mod p, a and b drawn from the seed; p is prime,
# so every a in 1..p-1 permutes codes. Codes are below 10^10 and a below 2^31: fits 64 bits.
MODULUS = 2_147_483_647


async def random_products(
    info: Info, count: int | None = 20, seed: int | None = None
) -> list[Product]:
    count = arguments.in_range("count", count, 0, info.context.settings.max_random_count, 20)
    draw = random.Random(seed)
    rows = await info.context.federation.read(
        Shard.TRANSACTIONS,
        "random_products",
        count=count,
        multiplier=draw.randrange(1, MODULUS),
        increment=draw.randrange(0, MODULUS),
        modulus=MODULUS,
    )
    return [Product.from_row(row["product"]) for row in rows]
