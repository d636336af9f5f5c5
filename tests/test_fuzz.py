"""Documents generated from the committed schema (hypothesis-graphql), sent over real HTTP to
the app on a loopback uvicorn serving a loaded catalogue: none may get a 5xx, and every error
must carry a code the API means to send, with nothing of the server's insides in its message.

Queries only: a generated mutation would start jobs. The seed is fixed (derandomize), so a run
sends the same documents every time and a failure is reproducible from its printed document.
"""

from __future__ import annotations

import csv
import gc
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql_support import Catalogue, error_codes, post
from graphql import build_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, queries

pytestmark = pytest.mark.neo4j

SDL = (Path(__file__).resolve().parent.parent / "gql" / "schema.graphql").read_text()
# searchByImage needs an Upload, which only a multipart request can carry.
QUERY = build_schema(SDL).query_type
assert QUERY is not None
FIELDS = sorted(name for name in QUERY.fields if name != "searchByImage")
VALID_EXAMPLES = 300
INVALID_EXAMPLES = 100
# The codes a client may be sent for a document it made up. INTERNAL_SERVER_ERROR is a masked
# bug; SHARD_QUERY_FAILED means an argument reached Cypher that the API should have refused.
EXPECTED_CODES = {
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_USER_INPUT",
    "QUERY_TOO_COMPLEX",
    "NOT_FOUND",
    "TIMEOUT",
}
# What would betray the server's insides: a stack trace, Cypher, the driver's class names.
LEAKS = re.compile(
    r"Traceback|File \"|\bMATCH \(|\bMERGE \(|\bUNWIND\b|neo4j\.|Neo\.ClientError|Neo4jError"
    r"|CypherSyntaxError|ServiceUnavailable|SessionExpired"
)
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(http: httpx.Client, document: str, codes: Counter[str]) -> None:
    """POST one document; every error in the answer must be an expected, clean one."""
    response = http.post("/graphql", json={"query": document})
    assert response.status_code < 500, (document, response.text)
    body: dict[str, Any] = response.json()
    assert "data" in body or "errors" in body, (document, body)
    for error in body.get("errors", []):
        code = (error.get("extensions") or {}).get("code")
        codes[str(code)] += 1
        assert code in EXPECTED_CODES, (document, error)
        assert not LEAKS.search(error["message"]), (document, error)


def run(strategy: st.SearchStrategy[str], examples: int, send: Callable[[str], None]) -> None:
    @settings(FUZZ, max_examples=examples)
    @given(strategy)
    def each(document: str) -> None:
        send(document)

    each()


@pytest.fixture(scope="module")
def fuzz_http(catalogue: Catalogue, server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=60) as client:
        yield client


def test_generated_queries_get_no_5xx_and_only_expected_codes(fuzz_http: httpx.Client) -> None:
    codes: Counter[str] = Counter()
    sent: list[str] = []

    def send(document: str) -> None:
        sent.append(document)
        check(fuzz_http, document, codes)

    run(queries(SDL, fields=FIELDS), VALID_EXAMPLES, send)
    print(f"\nfuzz: {len(sent)} valid documents, {len(set(sent))} distinct; errors {dict(codes)}")
    assert len(set(sent)) >= VALID_EXAMPLES * 0.9
    assert codes["INTERNAL_SERVER_ERROR"] == 0


def test_a_failed_branch_does_not_cancel_a_load_another_branch_shares(
    catalogue: Catalogue, fuzz_http: httpx.Client
) -> None:
    # Found by the fuzz: graphql-core cancels the siblings of a field that failed; a sibling
    # waiting on a DataLoader future must not cancel that future for `b`, which shares it.
    code = catalogue.with_image[0]
    with (catalogue.root / "transactions_train.csv").open(newline="") as f:
        purchases = sum(row["article_id"] == code for row in csv.DictReader(f))
    document = f"""{{
      a: product(code: "{code}") {{ purchaseCount alsoBought(first: -1) {{ code }} }}
      b: product(code: "{code}") {{ purchaseCount }}
    }}"""
    body = post(fuzz_http, document)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["data"] == {"a": None, "b": {"purchaseCount": purchases}}


def test_a_failed_root_field_leaves_no_driver_socket_unclosed(
    catalogue: Catalogue, fuzz_http: httpx.Client
) -> None:
    # Found by the fuzz: a root field's error cancels its siblings mid-Cypher; the driver must
    # not be left with a half-open socket (a ResourceWarning when collected, an error here).
    document = "{ randomProducts(count: -1) { code } products { totalCount } }"
    for _ in range(5):
        assert error_codes(post(fuzz_http, document)) == ["BAD_USER_INPUT"]
    gc.collect()


def test_generated_invalid_queries_are_refused_with_codes(fuzz_http: httpx.Client) -> None:
    codes: Counter[str] = Counter()
    sent: list[str] = []

    def send(document: str) -> None:
        sent.append(document)
        check(fuzz_http, document, codes)

    run(queries(SDL, fields=FIELDS, mode=Mode.NEGATIVE), INVALID_EXAMPLES, send)
    print(f"\nfuzz: {len(sent)} invalid documents; errors {dict(codes)}")
    assert len(sent) >= INVALID_EXAMPLES
    # Each one is wrong somewhere, so each is refused (not run): at least one error apiece.
    assert sum(codes.values()) >= len(sent)
