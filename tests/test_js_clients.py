"""The API driven by the JavaScript clients front-ends use, run by Node: Apollo Client for queries,
mutations and uploads (apollo-upload-client, with the preflight header), graphql-ws for
`jobProgress`. web/tests/clients.mjs runs them once against the real app on loopback and the real
shards (the small dataset, embedded by the embedImages job it starts) and prints what it received;
each test asserts one part of that against the catalogue."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from gql_support import Catalogue
from pydantic import SecretStr

from fabric_gql.settings import Settings

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
]

WEB = Path(__file__).resolve().parent.parent / "web"
SCRIPT = WEB / "tests" / "clients.mjs"
TOKEN = "js-t0ken"
TOP_K = 5


@pytest.fixture(scope="module")
def api_settings(settings: Settings, small_dataset: Path) -> Settings:
    """Overrides gql_support's: random weights (offline), and a token for mutations."""
    return settings.model_copy(
        update={
            "dataset_dir": small_dataset,
            "embedding_weights": "none",
            "api_token": SecretStr(TOKEN),
        }
    )


def _department(catalogue: Catalogue) -> int:
    """A department with more products than one page of three."""
    sizes = Counter(catalogue.department(code) for code in catalogue.articles)
    return min(number for number, size in sizes.items() if size > 3)


@pytest.fixture(scope="module")
def report(catalogue: Catalogue, server_url: str) -> dict[str, Any]:
    if not (WEB / "node_modules" / "@apollo" / "client").is_dir():
        pytest.fail("web/node_modules is not installed: run scripts/setup", pytrace=False)
    code = catalogue.with_image[0]
    config = {
        "url": server_url,
        "token": TOKEN,
        "department": _department(catalogue),
        "photo": str(catalogue.root / "images" / code[:3] / f"{code}.jpg"),
        "photoName": code,
        "topK": TOP_K,
    }
    run = subprocess.run(
        ["node", str(SCRIPT), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout)
    return result | {"config": config}


def test_a_query_with_variables_returns_the_departments_products(
    report: dict[str, Any], catalogue: Catalogue
) -> None:
    department = report["config"]["department"]
    in_department = sorted(c for c in catalogue.articles if catalogue.department(c) == department)
    assert report["products"]["errors"] == []
    products = report["products"]["data"]["products"]
    assert products["totalCount"] == len(in_department)
    nodes = [edge["node"] for edge in products["edges"]]
    assert [node["code"] for node in nodes] == in_department[:3]
    for node in nodes:
        row = catalogue.articles[node["code"]]
        assert node["name"] == row["prod_name"]
        assert node["department"] == {"number": department, "name": row["department_name"]}


def test_apollos_persisted_query_link_registers_the_document_once_then_sends_its_hash(
    report: dict[str, Any], catalogue: Catalogue
) -> None:
    persisted = report["persisted"]
    # Hash alone (not found), hash and document, then the hash alone for the second query.
    assert persisted["sent"] == [
        {"hash": True, "query": False},
        {"hash": True, "query": True},
        {"hash": True, "query": False},
    ]
    assert persisted["first"]["errors"] == persisted["second"]["errors"] == []
    departments = persisted["second"]["data"]["departments"]
    assert departments == persisted["first"]["data"]["departments"]
    numbers = {catalogue.department(code) for code in catalogue.articles}
    assert {d["number"] for d in departments} == numbers


def test_errors_carry_their_codes(report: dict[str, Any]) -> None:
    assert [e["code"] for e in report["refused"]["withoutToken"]] == ["UNAUTHENTICATED"]
    assert [e["code"] for e in report["refused"]["tooMany"]] == ["BAD_USER_INPUT"]


def test_job_progress_follows_the_embedding_job_to_its_end(
    report: dict[str, Any], catalogue: Catalogue
) -> None:
    job = report["job"]
    assert job["started"]["status"] in {"QUEUED", "RUNNING"}, job["started"]
    messages = job["messages"]
    assert all("errors" not in message for message in messages), messages
    states = [message["data"]["jobProgress"] for message in messages]
    assert {state["id"] for state in states} == {job["started"]["id"]}
    assert {state["kind"] for state in states} == {"EMBED_IMAGES"}
    assert [state["status"] for state in states].count("SUCCEEDED") == 1
    last = states[-1]
    assert last["status"] == "SUCCEEDED"
    assert last["processed"] == last["total"] == len(catalogue.with_image)
    assert last["failed"] == 0 and last["error"] is None
    processed = [state["processed"] for state in states]
    assert processed == sorted(processed)


def test_an_upload_with_the_preflight_header_finds_the_photos_product_first(
    report: dict[str, Any], catalogue: Catalogue
) -> None:
    search = report["search"]
    assert search["errors"] == []
    found = search["data"]["searchByImage"]
    assert [hit["rank"] for hit in found] == list(range(1, TOP_K + 1))
    code = report["config"]["photoName"]
    assert found[0]["product"] == {"code": code, "name": catalogue.articles[code]["prod_name"]}
    assert found[0]["score"] > 0.99
    scores = [hit["score"] for hit in found]
    assert scores == sorted(scores, reverse=True)


def test_an_upload_without_the_preflight_header_is_refused(report: dict[str, Any]) -> None:
    assert report["search"]["withoutPreflight"] == {"status": 400}
