"""A customer's purchases: one per transaction row, newest first, in Relay-style pages whose
opaque cursors hold the last row's (date, file line, product code) (keyset pagination)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from fabric_gql.errors import InvalidArgument
from gql import arguments
from gql.context import Info
from gql.loaders import PurchaseCursor, PurchaseRow
from gql.schema.connection import PageInfo

if TYPE_CHECKING:
    from gql.schema.product import Product

CURSOR_PREFIX = "purchase:"
CURSOR = re.compile(r"(\d{4}-\d{2}-\d{2})\|(\d{1,12})\|([0-9A-Za-z_-]{1,32})")
MALFORMED = "malformed cursor: pass an endCursor from an earlier page"


def encode_cursor(row: PurchaseRow) -> str:
    key = f"{CURSOR_PREFIX}{row['date'].iso_format()}|{row['line']}|{row['product']['code']}"
    return base64.urlsafe_b64encode(key.encode()).decode()


def decode_cursor(cursor: str) -> tuple[date, int, str]:
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        raise InvalidArgument(MALFORMED) from None
    match = CURSOR.fullmatch(decoded.removeprefix(CURSOR_PREFIX))
    if not decoded.startswith(CURSOR_PREFIX) or match is None:
        raise InvalidArgument(MALFORMED)
    try:
        day = date.fromisoformat(match[1])
    except ValueError:
        raise InvalidArgument(MALFORMED) from None
    return day, int(match[2]), match[3]


@strawberry.type(description="One purchase (a transaction row): repeat purchases are separate.")
class Purchase:
    date: date
    price: float | None
    sales_channel: int | None = strawberry.field(description="1 or 2, as in the H&M file.")
    product: Annotated[Product, strawberry.lazy("gql.schema.product")]

    @classmethod
    def from_row(cls, row: PurchaseRow) -> Self:
        from gql.schema.product import Product  # which imports recommendation, then this

        return cls(
            date=row["date"].to_native(),
            price=row["price"],
            sales_channel=row["salesChannel"],
            product=Product.from_row(row["product"]),
        )


@strawberry.type
class PurchaseEdge:
    cursor: str
    node: Purchase


@strawberry.type
class PurchaseConnection:
    edges: list[PurchaseEdge]
    page_info: PageInfo
    customer_id: strawberry.Private[str]

    # strawberry types field(...) as returning Any (strawberry#1929), so mypy sees no signature.
    @strawberry.field(description="How many purchases the customer has, over all pages.")  # type: ignore[untyped-decorator]
    async def total_count(self, info: Info) -> int:
        return await info.context.loaders.customer_purchase_count.load(self.customer_id)


async def purchase_page(
    info: Info, customer_id: str, first: int | None, after: str | None
) -> PurchaseConnection:
    first = arguments.in_range("first", first, 0, info.context.settings.max_page_size, 20)
    cursor: PurchaseCursor = decode_cursor(after) if after is not None else None
    rows = await info.context.loaders.purchases(first + 1, cursor).load(customer_id)
    page = rows[:first]
    edges = [PurchaseEdge(cursor=encode_cursor(row), node=Purchase.from_row(row)) for row in page]
    return PurchaseConnection(
        edges=edges,
        page_info=PageInfo.of([e.cursor for e in edges], more=len(rows) > first, after=after),
        customer_id=customer_id,
    )
