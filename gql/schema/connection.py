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


def encode_cursor(key: str, prefix: str = CURSOR_PREFIX) -> str:
    """An opaque cursor for a keyset page: the key after its kind's prefix, base64."""
    return base64.urlsafe_b64encode(f"{prefix}{key}".encode()).decode()


def decode_cursor(
    cursor: str, prefix: str = CURSOR_PREFIX, pattern: re.Pattern[str] = CURSOR_CODE
) -> str:
    """The key of a cursor `encode_cursor` made with `prefix`; INVALID_ARGUMENT otherwise."""
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        raise InvalidArgument("malformed cursor: pass an endCursor from an earlier page") from None
    key = decoded.removeprefix(prefix)
    if not decoded.startswith(prefix) or not pattern.fullmatch(key):
        raise InvalidArgument("malformed cursor: pass an endCursor from an earlier page")
    return key


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, cursors: list[str], *, more: bool, after: str | None) -> PageInfo:
        """A page's info from its edges' cursors, whether more follow, and the `after` asked."""
        return cls(
            has_next_page=more,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


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
        page_info = PageInfo.of([], more=False, after=after)
        return ProductConnection(edges=[], page_info=page_info, count_params=params)
    rows = await info.context.federation.read(
        Shard.TRANSACTIONS, "products_page", after=after_code, limit=first + 1, **params
    )
    page = [Product.from_row(row["product"]) for row in rows[:first]]
    edges = [ProductEdge(cursor=encode_cursor(p.code), node=p) for p in page]
    return ProductConnection(
        edges=edges,
        page_info=PageInfo.of([e.cursor for e in edges], more=len(rows) > first, after=after),
        count_params=params,
    )
