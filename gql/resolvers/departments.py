from __future__ import annotations

from cypher.shards import Shard
from gql.context import Info
from gql.schema.department import Department


async def departments(info: Info) -> list[Department]:
    rows = await info.context.federation.read(Shard.TRANSACTIONS, "departments")
    return [Department.from_row(r["department"]) for r in rows]
