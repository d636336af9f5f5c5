"""The production profile (FABRIC_GQL_PROFILE=production, the Docker image's): no introspection,
no field suggestions, no GraphiQL; without an API token no mutation and no subscription (refused
at connection_init), with one both need it; queries stay open; `serve` will not start on a
non-loopback address without a token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql_support import error_codes, free_port, post, serving
from pydantic import SecretStr
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from cypher.shards import SyncShards
from fabric_gql.settings import Settings
from gql.auth import NO_TOKEN

pytestmark = pytest.mark.neo4j

TOKEN = "production-test-token"
PROTOCOL = "graphql-transport-ws"
SUBSCRIBE = 'subscription { jobProgress(id: "no-such-job") { id status } }'
CANCEL = 'mutation { cancelJob(id: "no-such-job") { id } }'
FABRIC_GQL = str(Path(sys.executable).parent / "fabric-gql")


def production(small_dataset: Path, **overrides: Any) -> Settings:
    # Built, not copied: the profile's defaults are computed when Settings is made.
    return Settings(profile="production", dataset_dir=small_dataset, **overrides)


@pytest.fixture(scope="module")
def open_url(sync_shards: SyncShards, small_dataset: Path) -> Iterator[str]:
    """A production server without a token (what `serve` allows on loopback only)."""
    with serving(production(small_dataset)) as url:
        yield url


@pytest.fixture(scope="module")
def locked_url(sync_shards: SyncShards, small_dataset: Path) -> Iterator[str]:
    with serving(production(small_dataset, api_token=SecretStr(TOKEN))) as url:
        yield url


@pytest.fixture(scope="module")
def prod(open_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=open_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def locked(locked_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=locked_url, timeout=30) as client:
        yield client


def test_introspection_is_refused(prod: httpx.Client) -> None:
    body = post(prod, "{ __schema { queryType { name } } }")
    # graphql-core's rule names each introspection field: __schema, then queryType (a __Type).
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "introspection has been disabled" in body["errors"][0]["message"]
    assert body.get("data") is None


def test_typename_still_answers(prod: httpx.Client) -> None:
    assert post(prod, "{ __typename }")["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    "document",
    [
        "{ produts(first: 1) { edges { node { code } } } }",  # an unknown field
        "{ products(frist: 1) { edges { node { code } } } }",  # an unknown argument
        '{ product(code: "0") { ... on Prodct { code } } }',  # an unknown type
    ],
)
def test_validation_errors_suggest_nothing(prod: httpx.Client, document: str) -> None:
    body = post(prod, document)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" not in body["errors"][0]["message"]


def test_development_still_suggests(http: httpx.Client) -> None:
    # The same document against the default profile: the assertion above can fail.
    body = post(http, "{ produts(first: 1) { edges { node { code } } } }")
    assert "Did you mean" in body["errors"][0]["message"]


def test_graphiql_is_off(prod: httpx.Client) -> None:
    page = prod.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code != 200
    assert "graphiql" not in page.text.lower()
    assert prod.get("/graphiql/graphiql.min.js").status_code == 404


def test_queries_stay_open(prod: httpx.Client) -> None:
    body = post(prod, "{ departments { name } }")
    assert "errors" not in body
    assert isinstance(body["data"]["departments"], list)


def test_mutation_without_a_configured_token_is_unauthenticated(prod: httpx.Client) -> None:
    body = post(prod, CANCEL)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == NO_TOKEN


def test_mutation_without_the_token_is_unauthenticated(locked: httpx.Client) -> None:
    assert error_codes(post(locked, CANCEL)) == ["UNAUTHENTICATED"]


def test_mutation_with_the_token_runs(locked: httpx.Client) -> None:
    response = locked.post(
        "/graphql", json={"query": CANCEL}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    # Past the permission: the resolver looked the job up.
    assert error_codes(response.json()) == ["NOT_FOUND"]


def _socket(url: str, **headers: str) -> ClientConnection:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    return connect(ws_url, subprotocols=[PROTOCOL], additional_headers=headers, open_timeout=10)  # type: ignore[list-item]


def _init(ws: ClientConnection, payload: dict[str, str] | None = None) -> dict[str, Any]:
    ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    message: dict[str, Any] = json.loads(ws.recv(timeout=10))
    return message


def _refused_code(ws: ClientConnection, payload: dict[str, str] | None = None) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        _init(ws, payload)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def _first_result(ws: ClientConnection) -> dict[str, Any]:
    ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    message: dict[str, Any] = json.loads(ws.recv(timeout=10))
    return message


def test_subscription_without_a_configured_token_is_refused_at_init(open_url: str) -> None:
    with _socket(open_url) as ws:
        assert _refused_code(ws) == 4403


def test_subscription_without_the_token_is_refused_at_init(locked_url: str) -> None:
    with _socket(locked_url) as ws:
        assert _refused_code(ws, {"Authorization": "Bearer wrong"}) == 4403


def test_subscription_with_the_token_in_the_init_payload_runs(locked_url: str) -> None:
    with _socket(locked_url) as ws:
        assert _init(ws, {"Authorization": f"Bearer {TOKEN}"})["type"] == "connection_ack"
        result = _first_result(ws)
    # The operation ran: the job was looked up and is not there.
    assert result["type"] == "next"
    assert error_codes(result["payload"]) == ["NOT_FOUND"]


def test_subscription_with_the_token_in_the_upgrade_header_runs(locked_url: str) -> None:
    with _socket(locked_url, Authorization=f"Bearer {TOKEN}") as ws:
        assert _init(ws)["type"] == "connection_ack"


def test_serve_refuses_a_public_address_without_a_token(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "FABRIC_GQL_API_TOKEN"}
    env["FABRIC_GQL_PROFILE"] = "production"
    # The refusal comes before anything binds (the port is never opened).
    done = subprocess.run(
        [FABRIC_GQL, "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        cwd=tmp_path,  # no .env
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "FABRIC_GQL_API_TOKEN" in done.stderr
    assert "Explorer" not in done.stdout
