"""Customers through the real app on a loopback uvicorn server: attributes without the postal
code, purchases newest first in pages, and pages of customers."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest
from gql_support import Catalogue, data, error_codes, post
from purchases_support import People, read_people

from fabric_gql.settings import Settings
from gql.api import build_schema

pytestmark = pytest.mark.neo4j

CUSTOMER = """query($id: ID!) {
  customer(id: $id) { id age clubMemberStatus fashionNewsFrequency purchaseCount }
}"""

PURCHASES = """query($id: ID!, $first: Int, $after: String) {
  customer(id: $id) {
    purchases(first: $first, after: $after) {
      totalCount
      edges { cursor node { date price salesChannel product { code name } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""

CUSTOMERS = """query($first: Int, $after: String, $idPrefix: String) {
  customers(first: $first, after: $after, idPrefix: $idPrefix) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture(scope="module")
def people(catalogue: Catalogue) -> People:
    return read_people(catalogue.root)


def test_a_customer_has_the_attributes_of_customers_csv(people: People, http: httpx.Client) -> None:
    for customer_id in people.by_count()[:5]:
        row = people.customers[customer_id]
        customer = data(http, CUSTOMER, id=customer_id)["customer"]
        assert customer == {
            "id": customer_id,
            "age": int(row["age"]) if row["age"] else None,
            "clubMemberStatus": row["club_member_status"] or None,
            "fashionNewsFrequency": row["fashion_news_frequency"] or None,
            "purchaseCount": len(people.purchases[customer_id]),
        }


def test_an_unknown_customer_is_null(catalogue: Catalogue, http: httpx.Client) -> None:
    assert data(http, CUSTOMER, id="no-such-customer")["customer"] is None


def test_the_schema_has_no_postal_code(
    settings: Settings, http: httpx.Client, people: People
) -> None:
    schema = build_schema(settings)._schema
    names = [
        f"{type_name}.{field}"
        for type_name, type_ in schema.type_map.items()
        for field in getattr(type_, "fields", {})
    ]
    assert "Customer.age" in names
    assert [name for name in names if "postal" in name.lower()] == []
    customer_id = people.by_count()[0]
    body = post(http, "query($id: ID!) { customer(id: $id) { postalCode } }", id=customer_id)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def _all_purchases(http: httpx.Client, customer_id: str, first: int) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = data(http, PURCHASES, id=customer_id, first=first, after=after)["customer"][
            "purchases"
        ]
        assert len(page["edges"]) <= first
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        nodes.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def test_purchases_come_newest_first_in_pages_and_all_of_them(
    people: People, http: httpx.Client
) -> None:
    customer_id = people.by_count()[0]
    expected = people.purchases[customer_id]
    assert len(expected) >= 7  # several pages of 3
    nodes = _all_purchases(http, customer_id, 3)
    days = [date.fromisoformat(node["date"]) for node in nodes]
    assert days == sorted(days, reverse=True)
    got = Counter((n["date"], n["product"]["code"], n["price"], n["salesChannel"]) for n in nodes)
    assert got == Counter((b.day.isoformat(), b.code, b.price, b.channel) for b in expected)
    assert _all_purchases(http, customer_id, 100) == nodes  # the page size changes no order


def test_purchases_total_count_and_an_empty_first(people: People, http: httpx.Client) -> None:
    customer_id = people.by_count()[1]
    page = data(http, PURCHASES, id=customer_id, first=0)["customer"]["purchases"]
    assert page["edges"] == []
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["totalCount"] == len(people.purchases[customer_id])


def test_a_malformed_purchase_cursor_is_bad_user_input(people: People, http: httpx.Client) -> None:
    customer_id = people.by_count()[0]
    for cursor in ("not-base64!", "cHJvZHVjdDowMTA4Nzc1MDE1"):  # the second a product cursor
        body = post(http, PURCHASES, id=customer_id, first=2, after=cursor)
        assert error_codes(body) == ["BAD_USER_INPUT"]


def test_customers_page_in_id_order_to_the_end(people: People, http: httpx.Client) -> None:
    ids: list[str] = []
    after = None
    while True:
        page = data(http, CUSTOMERS, first=100, after=after)["customers"]
        assert page["totalCount"] == len(people.customers)
        ids.extend(edge["node"]["id"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert ids == sorted(people.customers)


def test_customers_with_an_id_prefix(people: People, http: httpx.Client) -> None:
    prefix = sorted(people.customers)[0][:2]
    expected = sorted(c for c in people.customers if c.startswith(prefix))
    page = data(http, CUSTOMERS, first=100, idPrefix=prefix)["customers"]
    assert [edge["node"]["id"] for edge in page["edges"]] == expected
    assert page["totalCount"] == len(expected)
    assert data(http, CUSTOMERS, idPrefix="zz-none")["customers"]["totalCount"] == 0


def test_customers_first_out_of_range_is_bad_user_input(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    assert error_codes(post(http, CUSTOMERS, first=101)) == ["BAD_USER_INPUT"]
