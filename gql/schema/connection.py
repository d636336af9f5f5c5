"""Relay-style pages of products, in code order, with opaque cursors (keyset pagination)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types.nodes import SelectedField

from cypher.shards import Shard
from fabric_gql.errors import InvalidArgument
from gql import arguments
from gql.context import Info
from gql.schema.product_filter import ProductFilter

if TYPE_CHECKING:
    from gql.schema.product import Product

CURSOR_PREFIX = "product:"
CURSOR_CODE = re.compile(r"[0-9A-Za-z_-]{1,32}")


def encode_cursor(code: str) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{code}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        raise InvalidArgument("malformed cursor: pass an endCursor from an earlier page") from None
    code = decoded.removeprefix(CURSOR_PREFIX)
    if not decoded.startswith(CURSOR_PREFIX) or not CURSOR_CODE.fullmatch(code):
        raise InvalidArgument("malformed cursor: pass an endCursor from an earlier page")
    return code


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class ProductEdge:
    cursor: str
    node: Annotated[Product, strawberry.lazy("gql.schema.product")]


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    count_params: strawberry.Private[dict[str, Any]]

    # strawberry types field(...) as returning Any (strawberry#1929), so mypy sees no signature.
    @strawberry.field(description="How many products match, over all pages.")  # type: ignore[untyped-decorator]
    async def total_count(self, info: Info) -> int:
        rows = await info.context.federation.read(
            Shard.TRANSACTIONS, "products_count", **self.count_params
        )
        return int(rows[0]["total"])


def only_counted(info: Info) -> bool:
    """Whether the connection's selection is `totalCount` alone (fragments count as more)."""
    fields = info.selected_fields[0].selections if info.selected_fields else []
    return bool(fields) and all(
        isinstance(f, SelectedField) and f.name in {"totalCount", "__typename"} for f in fields
    )


async def product_page(
    info: Info, filter: ProductFilter | None, first: int | None, after: str | None
) -> ProductConnection:
    from gql.schema.product import Product

    first = arguments.in_range("first", first, 0, info.context.settings.max_page_size, 20)
    params = (filter or ProductFilter()).params()
    after_code = decode_cursor(after) if after is not None else ""
    if only_counted(info):  # `{ totalCount }`: the page is not asked for, so not read
        page_info = PageInfo(
            has_next_page=False,
            has_previous_page=after is not None,
            start_cursor=None,
            end_cursor=None,
        )
        return ProductConnection(edges=[], page_info=page_info, count_params=params)
    rows = await info.context.federation.read(
        Shard.TRANSACTIONS, "products_page", after=after_code, limit=first + 1, **params
    )
    page = [Product.from_row(row["product"]) for row in rows[:first]]
    edges = [ProductEdge(cursor=encode_cursor(p.code), node=p) for p in page]
    return ProductConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_params=params,
    )
