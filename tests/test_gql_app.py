"""The app around the schema: health, images, GraphiQL, CORS, the WebSocket path, and what a
client sees when a shard is down."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gql_support import Catalogue, data, error_codes, free_port, post
from starlette.testclient import TestClient

from fabric_gql.settings import Settings
from gql.app import create_app

pytestmark = pytest.mark.neo4j


def test_healthz_is_200_with_both_shards_up(catalogue: Catalogue, client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "shards": {"products": "up", "transactions": "up"},
    }


def _down_app(settings: Settings, shard: str) -> TestClient:
    """A second app whose `shard` points at a closed loopback port."""
    closed = f"bolt://127.0.0.1:{free_port()}"
    return TestClient(create_app(settings.model_copy(update={f"{shard}_uri": closed})))


@pytest.fixture(scope="module")
def products_down(api_settings: Settings) -> Iterator[TestClient]:
    with _down_app(api_settings, "products") as client:
        yield client


@pytest.fixture(scope="module")
def transactions_down(api_settings: Settings) -> Iterator[TestClient]:
    with _down_app(api_settings, "transactions") as client:
        yield client


@pytest.mark.parametrize("shard", ["products", "transactions"])
def test_healthz_is_503_naming_the_shard_down(
    catalogue: Catalogue, request: pytest.FixtureRequest, shard: str
) -> None:
    client: TestClient = request.getfixturevalue(f"{shard}_down")
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["down"] == [shard]
    assert body["shards"][shard] == "down"


PARTIAL = """query($c: ID!) {
  product(code: $c) { code name department { name } hasEmbedding similar { score } }
}"""


def test_products_shard_down_still_returns_the_transactions_data(
    catalogue: Catalogue, products_down: TestClient
) -> None:
    code = catalogue.with_image[0]
    started = time.monotonic()
    body = post(products_down, PARTIAL, c=code)
    assert time.monotonic() - started < 10
    product = body["data"]["product"]
    assert product["name"] == catalogue.articles[code]["prod_name"]
    assert product["department"]["name"] == catalogue.articles[code]["department_name"]
    assert product["hasEmbedding"] is None
    assert product["similar"] is None
    errors = {tuple(e["path"]): e for e in body["errors"]}
    assert set(errors) == {("product", "hasEmbedding"), ("product", "similar")}
    for error in errors.values():
        assert error["extensions"].pop("requestId")  # gql.request_id
        assert error["extensions"] == {"code": "SHARD_UNAVAILABLE", "shard": "products"}
        assert "products shard" in error["message"]


def test_transactions_shard_down_is_an_error_naming_it(
    catalogue: Catalogue, transactions_down: TestClient
) -> None:
    body = post(transactions_down, "{ departments { name } }")
    assert body["data"] is None
    extensions = body["errors"][0]["extensions"]
    assert extensions.pop("requestId")  # gql.request_id
    assert extensions == {"code": "SHARD_UNAVAILABLE", "shard": "transactions"}
    assert "Traceback" not in str(body) and "MATCH" not in str(body)


def test_image_is_served_for_a_product_with_one(catalogue: Catalogue, client: TestClient) -> None:
    code = catalogue.with_image[0]
    response = client.get(f"/images/{code}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content == (catalogue.root / "images" / code[:3] / f"{code}.jpg").read_bytes()


def test_image_url_from_the_api_serves_the_image(catalogue: Catalogue, http: httpx.Client) -> None:
    code = catalogue.with_image[0]
    url = data(http, "query($c: ID!) { product(code: $c) { imageUrl } }", c=code)["product"][
        "imageUrl"
    ]
    assert url.startswith(str(http.base_url))
    response = http.get(url)
    assert response.status_code == 200
    assert response.content[:2] == b"\xff\xd8"  # JPEG


def test_image_is_404_without_an_image_or_for_an_unknown_code(
    catalogue: Catalogue, client: TestClient
) -> None:
    without = next(c for c in sorted(catalogue.articles) if c not in catalogue.with_image)
    assert client.get(f"/images/{without}").status_code == 404
    assert client.get("/images/0000000001").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/images/..%2F..%2F..%2Fetc%2Fpasswd",
        "/images/%2E%2E%2Farticles.csv",
        "/images/0108775015.jpg",
        "/images/010877501",
        "/images/01087750150",
        "/images/%30%31%30%38%37%37%35%30%31%35%00",
    ],
)
def test_image_paths_cannot_leave_the_image_folder(
    catalogue: Catalogue, client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.content


def test_image_symlink_out_of_the_folder_is_not_followed(
    catalogue: Catalogue, settings: Settings, tmp_path: Path
) -> None:
    dataset = tmp_path / "dataset"
    (dataset / "images" / "099").mkdir(parents=True)
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"\xff\xd8 not for clients")
    (dataset / "images" / "099" / "0990000001.jpg").symlink_to(secret)
    inside = dataset / "images" / "099" / "0990000002.jpg"
    shutil.copy(
        catalogue.root / "images" / catalogue.with_image[0][:3] / f"{catalogue.with_image[0]}.jpg",
        inside,
    )
    with TestClient(create_app(settings.model_copy(update={"dataset_dir": dataset}))) as client:
        assert client.get("/images/0990000001").status_code == 404
        assert client.get("/images/0990000002").status_code == 200


def test_graphiql_is_served_on_get(catalogue: Catalogue, client: TestClient) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_cors_allows_only_the_configured_origins(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["http://shop.example"]}))
    preflight = {"access-control-request-method": "POST"}
    with TestClient(app) as client:
        allowed = client.options("/graphql", headers={"origin": "http://shop.example", **preflight})
        refused = client.options("/graphql", headers={"origin": "http://evil.example", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "http://shop.example"
    assert "access-control-allow-origin" not in refused.headers


def test_websocket_speaks_graphql_transport_ws(catalogue: Catalogue, client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        assert ws.accepted_subprotocol == "graphql-transport-ws"
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


def test_errors_carry_a_code_and_no_internals(catalogue: Catalogue, client: TestClient) -> None:
    assert error_codes(post(client, "{ product(code: ")) == ["GRAPHQL_PARSE_FAILED"]
    assert error_codes(post(client, "{ nope }")) == ["GRAPHQL_VALIDATION_FAILED"]
    body = post(client, "query($n: Int!) { department(number: $n) { name } }", n="x")
    assert error_codes(body) == ["BAD_USER_INPUT"]
