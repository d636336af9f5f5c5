"""No N+1: the Cypher queries one document sends do not grow with the number of products."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from gql_support import Catalogue, data
from starlette.applications import Starlette
from starlette.testclient import TestClient

pytestmark = pytest.mark.neo4j

DOCUMENT = """query($n: Int) {
  products(first: $n, filter: {hasImage: true}) {
    edges { node {
      code
      department { name }
      productType { name }
      similar(topK: 10) { score product { code department { name } } }
    } }
  }
}"""


def _run(
    client: TestClient, app: Starlette, n: int
) -> tuple[Counter[tuple[str, str]], list[dict[str, Any]]]:
    sent = app.state.federation.shards.sent  # AsyncShards counts every query it sends
    sent.clear()
    edges = data(client, DOCUMENT, n=n)["products"]["edges"]
    return Counter({(shard.value, name): k for (shard, name), k in sent.items()}), edges


def test_queries_sent_do_not_grow_with_the_number_of_products(
    catalogue: Catalogue, client: TestClient, app: Starlette
) -> None:
    sent_for_50, edges = _run(client, app, 50)
    assert len(edges) == 50
    for edge in edges:
        similar = edge["node"]["similar"]
        assert len(similar) == 10
        assert all(s["product"]["department"]["name"] for s in similar)
    sent_for_5, _ = _run(client, app, 5)
    sent_for_1, _ = _run(client, app, 1)

    # One query per relationship, and two for the cross-shard similarity read.
    assert sent_for_50 == {
        ("transactions", "products_page"): 1,
        ("transactions", "product_departments"): 1,
        ("transactions", "product_product_types"): 1,
        ("products", "similar_candidates"): 1,
        ("transactions", "similar_details"): 1,
    }
    assert sent_for_50 == sent_for_5 == sent_for_1


def test_a_count_alone_reads_no_page(
    catalogue: Catalogue, client: TestClient, app: Starlette
) -> None:
    sent = app.state.federation.shards.sent
    sent.clear()
    counted = data(client, "{ products(filter: {hasImage: true}) { totalCount } }")
    assert counted["products"]["totalCount"] > 0
    assert {name for (_, name) in sent} == {"products_count"}
    sent.clear()
    paged = data(client, "{ products(filter: {hasImage: true}) { totalCount edges { cursor } } }")
    assert paged["products"]["totalCount"] == counted["products"]["totalCount"]
    assert {name for (_, name) in sent} == {"products_count", "products_page"}
