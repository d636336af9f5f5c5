from __future__ import annotations

from gql.context import Info
from gql.schema.department import Department


async def department(info: Info, number: int) -> Department | None:
    return Department.from_row(await info.context.loaders.department.load(number))
