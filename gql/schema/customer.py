"""A customer: attributes (never the postal code: personal data), purchases and recommendations;
and Relay-style pages of customers in id order (keyset pagination)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Self

import strawberry

from cypher.shards import Shard
from fabric_gql.errors import InvalidArgument
from gql import arguments
from gql.context import Info
from gql.loaders import CustomerRow
from gql.schema import connection
from gql.schema.connection import PageInfo
from gql.schema.purchase import PurchaseConnection, purchase_page
from gql.schema.recommendation import Recommendation
from recs.model import Filters, Request, Strategy

CURSOR_PREFIX = "customer:"
CUSTOMER_ID = re.compile(r"[0-9A-Za-z_-]{1,128}")
MAX_TEXT = 128  # idPrefix, indexGroup


def encode_cursor(customer_id: str) -> str:
    return connection.encode_cursor(customer_id, CURSOR_PREFIX)


def decode_cursor(cursor: str) -> str:
    return connection.decode_cursor(cursor, CURSOR_PREFIX, CUSTOMER_ID)


def short_text(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_TEXT:
        raise InvalidArgument(f"{name} must be at most {MAX_TEXT} characters")
    return value


@strawberry.type(
    description="An H&M customer (transactions shard). Postal codes are personal data and are "
    "not in the schema."
)
class Customer:
    id: strawberry.ID
    age: int | None
    club_member_status: str | None = strawberry.field(description="ACTIVE, PRE-CREATE, LEFT CLUB.")
    fashion_news_frequency: str | None = strawberry.field(description="NONE, Regularly, Monthly.")

    @classmethod
    def from_row(cls, row: CustomerRow) -> Self:
        return cls(
            id=strawberry.ID(row["id"]),
            age=row["age"],
            club_member_status=row["clubMemberStatus"],
            fashion_news_frequency=row["fashionNewsFrequency"],
        )

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="How many purchases (transaction rows) the customer has."
    )
    async def purchase_count(self, info: Info) -> int:
        return await info.context.loaders.customer_purchase_count.load(self.id)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The customer's purchases, newest first (then by file line)."
    )
    async def purchases(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> PurchaseConnection:
        return await purchase_page(info, self.id, first, after)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Products to recommend, best first, each with its score and reasons (see "
        "the README: signals and weights). strategy: BLEND, or one of the baselines. "
        "excludePurchased drops what the customer bought before asOf (repurchase is a strong "
        "signal, so it is off by default). departmentNumber, productTypeNumber and indexGroup "
        "(an index group's name, any case) keep only matching products. asOf: only purchases "
        "strictly before that day count (history and the trending week); without it the day "
        "after the newest purchase. maxPerProductType caps the products of one type. first is "
        "0..100; fewer come back when fewer candidates pass."
    )
    async def recommendations(
        self,
        info: Info,
        first: int | None = 12,
        strategy: Strategy | None = Strategy.BLEND,
        exclude_purchased: bool | None = False,
        department_number: int | None = None,
        product_type_number: int | None = None,
        index_group: str | None = None,
        as_of: date | None = None,
        max_per_product_type: int | None = None,
    ) -> list[Recommendation]:
        most = info.context.settings.max_page_size
        first = arguments.in_range("first", first, 0, most, 12)
        if max_per_product_type is not None:
            arguments.in_range("maxPerProductType", max_per_product_type, 1, most, 1)
        request = Request(
            first=first,
            strategy=strategy or Strategy.BLEND,
            exclude_purchased=bool(exclude_purchased),
            filters=Filters(
                department_number, product_type_number, short_text("indexGroup", index_group)
            ),
            as_of=as_of,
            max_per_product_type=max_per_product_type,
        )
        found, facts = await info.context.loaders.recommendations(request).load(self.id)
        return [Recommendation.from_model(r, facts) for r in found]


@strawberry.type
class CustomerEdge:
    cursor: str
    node: Customer


@strawberry.type
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo
    count_params: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="How many customers match, over all pages.")  # type: ignore[untyped-decorator]
    async def total_count(self, info: Info) -> int:
        rows = await info.context.federation.read(
            Shard.TRANSACTIONS, "customers_count", **self.count_params
        )
        return int(rows[0]["total"])


async def customer_page(
    info: Info, first: int | None, after: str | None, id_prefix: str | None
) -> CustomerConnection:
    first = arguments.in_range("first", first, 0, info.context.settings.max_page_size, 20)
    params = {"idPrefix": short_text("idPrefix", id_prefix)}
    after_id = decode_cursor(after) if after is not None else ""
    rows = await info.context.federation.read(
        Shard.TRANSACTIONS, "customers_page", after=after_id, limit=first + 1, **params
    )
    page = [Customer.from_row(row["customer"]) for row in rows[:first]]
    edges = [CustomerEdge(cursor=encode_cursor(c.id), node=c) for c in page]
    return CustomerConnection(
        edges=edges,
        page_info=PageInfo.of([e.cursor for e in edges], more=len(rows) > first, after=after),
        count_params=params,
    )
