from __future__ import annotations

import strawberry

from gql.context import Info
from gql.schema.customer import Customer


async def customer(info: Info, id: strawberry.ID) -> Customer | None:
    row = await info.context.loaders.customer.load(id.strip())
    return None if row is None else Customer.from_row(row)
