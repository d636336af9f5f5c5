"""Fixtures for the API tests: a loaded catalogue with deterministic similarity edges, the real
app in-process and on a loopback uvicorn server, and a small GraphQL client.

Until the embeddings work writes SIMILAR edges, `catalogue` writes its own: every product with
an image gets the 10 others with the highest `fixture_score`, a symmetric pseudo-random score
with a bonus for sharing a department (so department-restricted lists are non-trivial)."""

from __future__ import annotations

import csv
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright
from starlette.applications import Starlette
from starlette.testclient import TestClient

from cypher.shards import Shard, SyncShards
from fabric_gql.settings import Settings
from gql.app import create_app
from ingest.load import load_dataset
from ingest.reset import reset_shards
from jobs import copurchase, embed, knn
from jobs.runner import run_in_foreground

TOP_K = 10


def fixture_score(a: str, b: str, same_department: bool) -> float:
    low, high = sorted((a, b))
    h = int(hashlib.sha256(f"{low}|{high}".encode()).hexdigest()[:8], 16) / 2**32
    return round(0.5 + 0.4 * h + (0.1 if same_department else 0.0), 6)


@dataclass
class Catalogue:
    root: Path
    articles: dict[str, dict[str, str]]  # code -> articles.csv row
    with_image: list[str]
    similar: dict[str, list[tuple[str, float]]]  # code -> [(neighbour, score)], best first

    def department(self, code: str) -> int:
        return int(self.articles[code]["department_no"])

    def same_department_ranking(self, code: str) -> list[tuple[str, float]]:
        """Every imaged product of the code's department, by fixture score: the exact answer."""
        dept = self.department(code)
        peers = [c for c in self.with_image if c != code and self.department(c) == dept]
        scored = [(c, fixture_score(code, c, True)) for c in peers]
        return sorted(scored, key=lambda cs: (-cs[1], cs[0]))


def read_catalogue(root: Path) -> Catalogue:
    with (root / "articles.csv").open(newline="") as f:
        articles = {row["article_id"]: row for row in csv.DictReader(f)}
    with_image = sorted(
        code for code in articles if (root / "images" / code[:3] / f"{code}.jpg").is_file()
    )
    similar: dict[str, list[tuple[str, float]]] = {}
    for code in with_image:
        dept = articles[code]["department_no"]
        scored = [
            (other, fixture_score(code, other, articles[other]["department_no"] == dept))
            for other in with_image
            if other != code
        ]
        similar[code] = sorted(scored, key=lambda cs: (-cs[1], cs[0]))[:TOP_K]
    return Catalogue(root, articles, with_image, similar)


def write_similar(shards: SyncShards, catalogue: Catalogue) -> None:
    rows = [
        {"source": code, "code": other, "score": score, "rank": rank}
        for code, neighbours in catalogue.similar.items()
        for rank, (other, score) in enumerate(neighbours, start=1)
    ]
    shards.write(Shard.PRODUCTS, "fixture_similar_clear")
    shards.write(Shard.PRODUCTS, "fixture_similar", rows=rows)


@pytest.fixture(scope="module")
def catalogue(sync_shards: SyncShards, small_dataset: Path) -> Catalogue:
    """Both shards reset and loaded with the small generated dataset, plus SIMILAR edges and,
    as `fabric-gql load` computes them, the co-purchases (the real job) that alsoBought reads."""
    reset_shards(sync_shards)
    report = load_dataset(sync_shards, small_dataset, batch_size=500)
    assert report.bad.total == 0
    params = {"topN": copurchase.TOP_N, "weeks": None}
    record = run_in_foreground(sync_shards, copurchase.KIND, params, copurchase.copurchase_work())
    assert record["status"] == "SUCCEEDED", record
    catalogue = read_catalogue(small_dataset)
    write_similar(sync_shards, catalogue)
    return catalogue


@pytest.fixture(scope="module")
def api_settings(settings: Settings, small_dataset: Path) -> Settings:
    return settings.model_copy(update={"dataset_dir": small_dataset})


@pytest.fixture(scope="module")
def app(api_settings: Settings) -> Starlette:
    return create_app(api_settings)


@pytest.fixture(scope="module")
def client(app: Starlette) -> Iterator[TestClient]:
    """The app in-process; a context manager, so the lifespan (drivers) runs."""
    with TestClient(app) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """A real uvicorn server on loopback, serving a fresh app, in a background thread; its
    lifespan has run when this yields the base URL, and has finished when it returns."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="module")
def server_url(api_settings: Settings) -> Iterator[str]:
    with serving(api_settings) as url:
        yield url


@pytest.fixture(scope="module")
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as http_client:
        yield http_client


def post(client: httpx.Client | TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST a document; the whole response body (data and errors)."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def data(client: httpx.Client | TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST a document that must succeed; its data."""
    body = post(client, query, **variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def load_and_embed(
    shards: SyncShards, settings: Settings, dataset: Path, *, similarities: bool = False
) -> None:
    """Both shards reset and loaded with `dataset`, every image embedded (the job code, with the
    given settings), and with `similarities` the SIMILAR graph recomputed."""
    reset_shards(shards)
    assert load_dataset(shards, dataset, batch_size=500).bad.total == 0
    params: dict[str, Any] = {"codes": None, "onlyMissing": True}
    record = run_in_foreground(shards, embed.KIND, params, embed.embed_work(settings))
    assert record["status"] == "SUCCEEDED", record
    if similarities:
        params = {"topK": 10, "similarityCutoff": 0.0, "method": "EXACT"}
        record = run_in_foreground(shards, knn.KIND, params, knn.knn_work())
        assert record["status"] == "SUCCEEDED", record


# Debian's Chromium (Playwright's own browser download is not reachable here), for the page tests.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
