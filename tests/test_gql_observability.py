"""Request ids, structured logs and /metrics, against real servers: a loopback uvicorn in this
process for the ids and metrics, and a real `fabric-gql serve` (production profile, JSON logs)
whose transactions shard does not answer, for an error that must reach the log."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql_support import error_codes, free_port, post, serving
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from cypher.shards import SyncShards
from fabric_gql.settings import Settings
from gql.metrics import operation_label

pytestmark = pytest.mark.neo4j

FABRIC_GQL = str(Path(sys.executable).parent / "fabric-gql")
TOKEN = "metrics-test-token"


def samples(client: httpx.Client, **headers: str) -> dict[tuple[str, frozenset[Any]], float]:
    """Every sample /metrics shows, by name and labels."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(found: dict[tuple[str, frozenset[Any]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


# --- request ids ---------------------------------------------------------------------------


def test_a_request_gets_an_id(http: httpx.Client) -> None:
    first = http.get("/healthz").headers["X-Request-ID"]
    second = http.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_sane_incoming_id_is_kept(http: httpx.Client) -> None:
    response = http.get("/healthz", headers={"X-Request-ID": "proxy-1234.abc"})
    assert response.headers["X-Request-ID"] == "proxy-1234.abc"


@pytest.mark.parametrize("incoming", ["", "a b", "x" * 200, "<script>"])
def test_an_odd_incoming_id_is_replaced(http: httpx.Client, incoming: str) -> None:
    response = http.get("/healthz", headers={"X-Request-ID": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_every_error_carries_the_request_id(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": "{ nope }"})
    body = response.json()
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert body["errors"][0]["extensions"]["requestId"] == response.headers["X-Request-ID"]


def test_a_parse_error_carries_the_request_id(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": "{"}, headers={"X-Request-ID": "parse-1"})
    body = response.json()
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]
    assert body["errors"][0]["extensions"]["requestId"] == "parse-1"


# --- metrics -------------------------------------------------------------------------------


def test_metrics_count_operations_by_name(http: httpx.Client) -> None:
    before = samples(http)
    for _ in range(3):
        post(http, "query MetricsDepartments { departments { name } }")
    post(http, "{ departments { name } }")
    after = samples(http)
    named = {"operation": "MetricsDepartments", "type": "query", "outcome": "ok"}
    assert (
        value(after, "fabric_gql_operations_total", **named)
        - value(before, "fabric_gql_operations_total", **named)
        == 3
    )
    timed = {"operation": "MetricsDepartments", "type": "query"}
    assert (
        value(after, "fabric_gql_operation_duration_seconds_count", **timed)
        - value(before, "fabric_gql_operation_duration_seconds_count", **timed)
        == 3
    )
    anonymous = {"operation": "anonymous", "type": "query", "outcome": "ok"}
    assert value(after, "fabric_gql_operations_total", **anonymous) > value(
        before, "fabric_gql_operations_total", **anonymous
    )


def test_metrics_count_errors_by_code(http: httpx.Client) -> None:
    before = samples(http)
    post(http, "query Broken { nope }")
    post(http, "{")
    after = samples(http)
    for code in ("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"):
        assert (
            value(after, "fabric_gql_errors_total", code=code)
            - value(before, "fabric_gql_errors_total", code=code)
            == 1
        )
    failed = {"operation": "Broken", "type": "query", "outcome": "error"}
    assert value(after, "fabric_gql_operations_total", **failed) > value(
        before, "fabric_gql_operations_total", **failed
    )


def test_metrics_count_cypher_per_shard(http: httpx.Client) -> None:
    before = samples(http)
    post(http, "{ departments { name } }")
    post(http, "{ departments { name } }")
    after = samples(http)
    query = {"shard": "transactions", "query": "departments"}
    assert (
        value(after, "fabric_gql_cypher_queries_total", **query)
        - value(before, "fabric_gql_cypher_queries_total", **query)
        == 2
    )


def test_operation_names_are_bounded() -> None:
    assert operation_label(None) == "anonymous"
    assert operation_label("not a name") == "other"
    assert operation_label("Fine_1") == "Fine_1"


@pytest.fixture(scope="module")
def locked(sync_shards: SyncShards, small_dataset: Path) -> Iterator[httpx.Client]:
    settings = Settings(profile="production", api_token=SecretStr(TOKEN), dataset_dir=small_dataset)
    with serving(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_production_metrics_need_the_token(locked: httpx.Client) -> None:
    assert locked.get("/metrics").status_code == 401
    found = samples(locked, Authorization=f"Bearer {TOKEN}")
    assert any(name == "process_cpu_seconds_total" for name, _ in found)


# --- structured logs, from a real `serve` ----------------------------------------------------


@dataclass
class Served:
    url: str
    log: Path

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def served(
    sync_shards: SyncShards, small_dataset: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """`fabric-gql serve` in production on loopback (no token needed there) with JSON logs,
    its transactions shard pointed at a port nothing listens on."""
    folder = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {key: v for key, v in os.environ.items() if key != "FABRIC_GQL_API_TOKEN"}
    env |= {
        "FABRIC_GQL_PROFILE": "production",
        "FABRIC_GQL_TRANSACTIONS_PORT": str(free_port()),
        "FABRIC_GQL_DATASET_DIR": str(small_dataset),
    }
    log = folder / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [FABRIC_GQL, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,  # no .env
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=5)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"serve did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield Served(url, log)
    finally:
        process.terminate()
        process.wait(30)


def _shard_error(served: Served, request_id: str) -> dict[str, Any]:
    response = httpx.post(
        f"{served.url}/graphql",
        json={"query": "{ departments { name } }"},
        headers={"X-Request-ID": request_id},
        timeout=30,
    )
    assert response.headers["X-Request-ID"] == request_id
    error: dict[str, Any] = response.json()["errors"][0]
    return error


def _logged(served: Served, request_id: str) -> list[dict[str, Any]]:
    for _ in range(50):  # the access line is written as the response leaves
        found = [r for r in served.records() if r.get("request_id") == request_id]
        if any(r["logger"] == "uvicorn.access" for r in found):
            return found
        time.sleep(0.1)
    return [r for r in served.records() if r.get("request_id") == request_id]


def test_a_shard_error_is_logged_with_its_request_id_and_cause(served: Served) -> None:
    error = _shard_error(served, "log-test-1")
    assert error["extensions"]["code"] == "SHARD_UNAVAILABLE"
    assert error["extensions"]["requestId"] == "log-test-1"
    records = [r for r in _logged(served, "log-test-1") if r["logger"] == "fabric_gql.graphql"]
    assert len(records) == 1
    record = records[0]
    assert record["level"] == "WARNING"
    # The client's message and the driver's detail, which the client never sees.
    assert record["message"].startswith(error["message"])
    detail = record["message"].split(": ", 1)[1]
    assert detail and detail not in json.dumps(error)


def test_the_access_log_carries_the_request_id(served: Served) -> None:
    _shard_error(served, "log-test-2")
    access = [r for r in _logged(served, "log-test-2") if r["logger"] == "uvicorn.access"]
    assert len(access) == 1
    assert "POST /graphql" in access[0]["message"]
    assert {"time", "level", "logger", "message", "request_id"} <= access[0].keys()
    assert "color_message" not in access[0]
