from __future__ import annotations

from cypher.shards import Shard
from gql.context import Info
from gql.schema.department import Department


async def departments(info: Info) -> list[Department]:
    rows = await info.context.federation.read(Shard.TRANSACTIONS, "departments")
    return [
        Department(number=r["department"]["number"], name=r["department"].get("name") or "")
        for r in rows
    ]
