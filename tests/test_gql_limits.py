"""Size limits refuse a document before any Cypher runs (QUERY_TOO_COMPLEX, with the measure and
the limit), validation errors are capped, and a request past its deadline gets TIMEOUT with its
shard transactions stopped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gql_support import Catalogue, data, error_codes, post, serving
from starlette.applications import Starlette
from starlette.testclient import TestClient

from cypher import deadline, loader
from cypher.loader import text
from cypher.shards import AsyncShards, Shard, SyncShards
from fabric_gql.errors import Timeout
from fabric_gql.settings import Settings
from gql.api import build_schema
from gql.limits import Validation, declared_sizes, fixed_sizes

pytestmark = pytest.mark.neo4j

# The issue's example: within the depth limit, and 2 * 10^8 fields at most.
EXAMPLE = """{ products(first:100){ edges{ node{ similar(topK:100){ product{ similar(topK:100){
  product{ alsoBought(first:100){code} } } } } } } } }"""
EXAMPLE_COST = 202_020_201


def _too_complex(body: dict[str, Any]) -> dict[str, Any]:
    """The one error of a refused document, its extensions."""
    assert body["data"] is None
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"], body["errors"]
    extensions: dict[str, Any] = body["errors"][0]["extensions"]
    assert extensions.pop("requestId")  # gql.request_id
    return extensions


def test_every_list_field_has_a_declared_size(settings: Settings) -> None:
    schema = build_schema(settings)._schema
    fixed = fixed_sizes(settings)
    declared = declared_sizes(schema, fixed)
    assert [coordinate for coordinate, source in declared.items() if source is None] == []
    assert set(fixed) <= set(declared)  # no estimate for a field that is gone or not a list
    assert declared["ProductConnection.edges"] == "the connection's first"
    assert declared["Product.similar"] == "argument topK"


def test_the_issue_example_is_refused_with_its_cost_before_any_cypher(
    catalogue: Catalogue, client: TestClient, app: Starlette, settings: Settings
) -> None:
    sent = app.state.federation.shards.sent
    sent.clear()
    extensions = _too_complex(post(client, EXAMPLE))
    assert extensions == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "cost",
        "value": EXAMPLE_COST,
        "maximum": settings.graphql_max_cost,
    }
    assert sum(sent.values()) == 0


def test_the_cost_is_computed_with_the_variables_and_their_defaults(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    document = """query($n: Int!, $k: Int = 100) {
      products(first: $n) { edges { node { similar(topK: $k) { product {
        similar(topK: $k) { score } } } } } } }"""
    # 1 + n (2 + 2k + 2k^2)
    assert data(http, document, n=2, k=3)["products"]["edges"]
    assert _too_complex(post(http, document, n=100, k=100))["value"] == 2_020_201
    assert _too_complex(post(http, document, n=3))["value"] == 1 + 3 * (2 + 200 + 20_000)


def test_fragments_count_where_they_are_spread_and_aliases_add_up(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    page = """fragment Page on ProductConnection {
      edges { node { ... on Product { similar(topK: 40) { product {
        alsoBought(first: 3) { code } } } } } } }"""
    # products: 1 + 100 (1 + 1 + 40 (1 + 1 + 3 * 2)) = 32201, within the default 50000.
    one = data(http, "{ a: products(first: 100) { ...Page } } " + page)
    assert one["a"]["edges"]
    both = "{ a: products(first: 100) { ...Page } b: products(first: 100) { ...Page } } " + page
    assert _too_complex(post(http, both))["value"] == 2 * 32_201


def test_arguments_past_their_range_cost_their_largest_value(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    # The resolver, not the cost, refuses them: the cost counts first as 100.
    body = post(http, "{ products(first: 2147483647) { edges { node { code } } } }")
    assert error_codes(body) == ["BAD_USER_INPUT"]


def _aliases(n: int) -> str:
    return "{ " + " ".join(f'a{i}: product(code: "0{i:09d}") {{ code }}' for i in range(n)) + " }"


def test_101_aliases_give_one_error(catalogue: Catalogue, http: httpx.Client) -> None:
    extensions = _too_complex(post(http, _aliases(101)))
    assert (extensions["limit"], extensions["value"], extensions["maximum"]) == ("aliases", 101, 15)
    assert len(data(http, _aliases(15))) == 15


def test_aliases_in_a_fragment_count_each_time_it_is_spread(
    catalogue: Catalogue, http: httpx.Client
) -> None:
    fragment = "fragment F on Product { a: code b: name c: code d: name }"

    def spread(times: int) -> str:
        return '{ product(code: "0") { ' + "...F " * times + "} } " + fragment

    assert data(http, spread(3)) == {"product": None}  # 12 aliases
    assert _too_complex(post(http, spread(4)))["value"] == 16


def test_50_unknown_directives_give_one_error(catalogue: Catalogue, http: httpx.Client) -> None:
    directives = " ".join(f"@d{i}" for i in range(50))
    extensions = _too_complex(post(http, f"{{ departments {directives} {{ name }} }}"))
    assert (extensions["limit"], extensions["value"]) == ("directives", 50)
    # Under the limit they are validated as usual: one error each.
    body = post(http, "{ departments @a @b @c { name } }")
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"] * 3


def test_validation_errors_are_capped(
    catalogue: Catalogue, http: httpx.Client, settings: Settings
) -> None:
    unknown = " ".join(f"x{i}" for i in range(40))
    body = post(http, f"{{ departments {{ {unknown} }} }}")
    codes = error_codes(body)
    # graphql-core stops at the cap and says so in one last error.
    assert codes == ["GRAPHQL_VALIDATION_FAILED"] * (settings.graphql_max_errors + 1)
    assert "aborted" in body["errors"][-1]["message"]


async def test_the_checks_and_validation_of_a_repeated_document_are_cached(
    settings: Settings,
) -> None:
    schema = build_schema(settings)
    made = [factory() for factory in schema.extensions]
    checks = next(extension for extension in made if isinstance(extension, Validation)).checks
    document = "query ChecksProbe { __typename }"
    await schema.execute(document)
    hits = checks.errors.cache_info().hits
    result = await schema.execute(document)
    assert result.data == {"__typename": "Query"}
    assert checks.errors.cache_info().hits == hits + 1


def test_a_document_over_the_token_limit_is_refused(
    catalogue: Catalogue, http: httpx.Client, settings: Settings
) -> None:
    maximum = settings.graphql_max_tokens
    document = "{ departments { " + "name " * maximum + "} }"
    extensions = _too_complex(post(http, document))
    assert extensions["limit"] == "tokens"
    assert (extensions["value"], extensions["maximum"]) == (maximum + 1, maximum)


# --- the deadline --------------------------------------------------------------------------


def _open_transactions(shards: SyncShards, shard: Shard, query: str) -> list[dict[str, Any]]:
    return shards.read(shard, "running_transactions", query=query)


@pytest.fixture
def slow_departments(monkeypatch: pytest.MonkeyPatch) -> None:
    """`departments` sends a query that runs for hours instead: the real resolver, client and
    server, with a query text no deadline could let finish."""
    monkeypatch.setitem(loader.PRODUCTION.texts, "departments", text("slow_count"))


@pytest.fixture(scope="module")
def short_deadline(api_settings: Settings) -> Iterator[str]:
    with serving(api_settings.model_copy(update={"request_timeout_s": 1.0})) as url:
        yield url


def test_a_request_past_its_deadline_gets_timeout_and_the_shard_stops_its_work(
    catalogue: Catalogue, sync_shards: SyncShards, short_deadline: str, slow_departments: None
) -> None:
    with httpx.Client(base_url=short_deadline, timeout=60) as http:
        body = post(http, "{ departments { name } }")
    assert body["data"] is None
    assert error_codes(body) == ["TIMEOUT"]
    assert "1 s" in body["errors"][0]["message"]
    # The server stops the transaction too (it would run for hours), soon after.
    for _ in range(100):
        if not _open_transactions(sync_shards, Shard.TRANSACTIONS, "departments"):
            break
        time.sleep(0.1)
    assert _open_transactions(sync_shards, Shard.TRANSACTIONS, "departments") == []


def test_other_requests_are_not_held_to_an_earlier_deadline(
    catalogue: Catalogue, short_deadline: str
) -> None:
    with httpx.Client(base_url=short_deadline, timeout=60) as http:
        for _ in range(3):
            assert data(http, "{ departments { name } }")["departments"]


async def test_no_transaction_starts_once_the_deadline_has_passed(settings: Settings) -> None:
    shards = AsyncShards(settings)
    try:
        with deadline.within(0.0), pytest.raises(Timeout) as raised:
            await shards.read(Shard.TRANSACTIONS, "departments")
    finally:
        await shards.close()
    assert raised.value.code == "TIMEOUT"
