from __future__ import annotations

from gql.context import Info
from gql.schema.customer import CustomerConnection, customer_page


async def customers(
    info: Info, first: int | None = 20, after: str | None = None, id_prefix: str | None = None
) -> CustomerConnection:
    return await customer_page(info, first, after, id_prefix)
