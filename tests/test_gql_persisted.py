"""Persisted queries (gql.persisted) over real HTTP: Apollo's automatic persisted queries, and
trusted documents (only a manifest's documents run)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql_support import error_codes, serving

from cypher.shards import SyncShards
from fabric_gql.settings import Settings
from gql.persisted import read_manifest

pytestmark = pytest.mark.neo4j

DOCUMENT = "query Departments { departments { number name } }"
OTHER = "query Typename { __typename }"


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(key: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": key}}


def send(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/graphql", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture(scope="module")
def apq(sync_shards: SyncShards, settings: Settings) -> Iterator[httpx.Client]:
    with (
        serving(settings.model_copy(update={"persisted_queries_cache": 2})) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield client


def test_a_hash_alone_is_not_found_then_registered_with_its_document_then_runs_alone(
    apq: httpx.Client,
) -> None:
    key = sha(DOCUMENT)
    missing = send(apq, extensions=persisted(key))
    assert error_codes(missing) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert missing["errors"][0]["message"] == "PersistedQueryNotFound"  # what Apollo looks for
    registered = send(apq, query=DOCUMENT, extensions=persisted(key))
    assert "errors" not in registered
    alone = send(apq, extensions=persisted(key))
    assert alone == registered
    assert isinstance(alone["data"]["departments"], list)


def test_a_hash_that_is_not_the_documents_is_refused_and_not_registered(
    apq: httpx.Client,
) -> None:
    wrong = sha("query { nothing }")
    body = send(apq, query=OTHER, extensions=persisted(wrong))
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert error_codes(send(apq, extensions=persisted(wrong))) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_an_unknown_version_or_a_malformed_extension_is_bad_input(apq: httpx.Client) -> None:
    assert error_codes(send(apq, query=OTHER, extensions=persisted(sha(OTHER), 2))) == [
        "BAD_USER_INPUT"
    ]
    body = send(apq, query=OTHER, extensions={"persistedQuery": {"version": 1}})
    assert error_codes(body) == ["BAD_USER_INPUT"]


def test_the_cache_is_bounded_least_recently_used_first(apq: httpx.Client) -> None:
    documents = [f"query Q{i} {{ __typename }}" for i in range(3)]  # the cache holds 2
    for document in documents:
        assert "errors" not in send(apq, query=document, extensions=persisted(sha(document)))
    assert error_codes(send(apq, extensions=persisted(sha(documents[0])))) == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]
    assert "errors" not in send(apq, extensions=persisted(sha(documents[2])))


def test_plain_documents_still_run_without_a_manifest(apq: httpx.Client) -> None:
    assert send(apq, query=OTHER) == {"data": {"__typename": "Query"}}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trusted") / "manifest.json"
    operations = [{"id": sha(DOCUMENT), "name": "Departments", "type": "query", "body": DOCUMENT}]
    body = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
    path.write_text(json.dumps(body))
    return path


@pytest.fixture(scope="module")
def trusted(sync_shards: SyncShards, settings: Settings, manifest: Path) -> Iterator[httpx.Client]:
    with (
        serving(settings.model_copy(update={"trusted_documents": manifest})) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield client


def test_trusted_documents_run_by_hash_or_by_text_and_nothing_else_runs(
    trusted: httpx.Client,
) -> None:
    by_hash = send(trusted, extensions=persisted(sha(DOCUMENT)))
    assert "errors" not in by_hash and "departments" in by_hash["data"]
    assert send(trusted, query=DOCUMENT) == by_hash
    assert error_codes(send(trusted, query=OTHER)) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    # Registering is not possible either.
    register = send(trusted, query=OTHER, extensions=persisted(sha(OTHER)))
    assert error_codes(register) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert error_codes(send(trusted, extensions=persisted(sha(OTHER)))) == [
        "PERSISTED_QUERY_NOT_IN_LIST"
    ]


def test_a_manifest_whose_id_is_not_its_documents_hash_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({sha(OTHER): DOCUMENT}))
    with pytest.raises(ValueError, match="is not the sha256 of its document"):
        read_manifest(path)
    path.write_text(json.dumps({sha(DOCUMENT): DOCUMENT}))
    assert read_manifest(path) == {sha(DOCUMENT): DOCUMENT}
