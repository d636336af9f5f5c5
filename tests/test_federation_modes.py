"""Both federation modes give the same answer.

Community has no Fabric, but it runs a composed query whose `USE` clauses all name the session's
own database. So, on the transactions server with the similarity edges written there too, the
fabric-mode text runs for real and is compared with direct mode on the same server and with
direct mode on the two real shards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from gql_support import Catalogue, data
from starlette.applications import Starlette
from starlette.testclient import TestClient

from cypher.federation import (
    SIMILAR,
    DirectFederation,
    FabricFederation,
    Federation,
    fabric_graphs,
)
from cypher.shards import AsyncShards, Shard, SyncShards
from fabric_gql.settings import FederationMode, Settings
from gql.app import create_app
from gql.loaders import Loaders, SimilarArgs

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def one_server(
    settings: Settings, catalogue: Catalogue, sync_shards: SyncShards
) -> Iterator[Settings]:
    """Settings under which both 'graphs' are the transactions server's database, which then
    also holds the SIMILAR edges."""
    rows = [
        {"source": code, "code": other, "score": score, "rank": rank}
        for code, neighbours in catalogue.similar.items()
        for rank, (other, score) in enumerate(neighbours, start=1)
    ]
    sync_shards.write(Shard.TRANSACTIONS, "fixture_similar", rows=rows)
    database = settings.transactions_database
    yield settings.model_copy(
        update={
            "products_uri": settings.transactions_bolt,
            "products_database": database,
            "fabric_uri": settings.transactions_bolt,
            "fabric_database": database,
            "fabric_products_graph": database,
            "fabric_transactions_graph": database,
        }
    )
    sync_shards.write(Shard.TRANSACTIONS, "fixture_similar_clear")


@pytest.fixture
async def federations(
    settings: Settings, one_server: Settings
) -> AsyncIterator[dict[str, Federation]]:
    made: dict[str, Federation] = {
        "direct, two shards": DirectFederation(AsyncShards(settings), 1.0),
        "direct, one server": DirectFederation(AsyncShards(one_server), 1.0),
        "fabric, one server": FabricFederation(one_server, fabric_graphs(one_server)),
    }
    yield made
    for federation in made.values():
        await federation.close()


def _canonical(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (r["source"], r["code"], r["score"], r["product"]["name"], r["department"]["number"],
         r["productType"]["number"])
        for r in rows
    )  # fmt: skip


@pytest.mark.parametrize("same_department", [False, True])
async def test_similar_read_is_the_same_in_every_mode(
    catalogue: Catalogue, federations: dict[str, Federation], same_department: bool
) -> None:
    codes = catalogue.with_image[:20]
    params = {"codes": codes, "limit": 10, "sameDepartment": same_department, "minScore": None}
    answers = {
        name: _canonical(await federation.read_across(SIMILAR, **params))
        for name, federation in federations.items()
    }
    reference = answers.pop("direct, two shards")
    assert len(reference) > 0
    for name, answer in answers.items():
        assert answer == reference, name


async def test_ranked_lists_are_the_same_in_every_mode(
    catalogue: Catalogue, federations: dict[str, Federation]
) -> None:
    codes = catalogue.with_image[:20]
    args = SimilarArgs(top_k=5, same_department=True, min_score=0.6)
    lists = {
        name: await Loaders(federation).similar(args).load_many(codes)
        for name, federation in federations.items()
    }
    reference = [[(r["code"], r["rank"]) for r in rows] for rows in lists.pop("direct, two shards")]
    for name, ranked in lists.items():
        assert [[(r["code"], r["rank"]) for r in rows] for rows in ranked] == reference, name


async def test_fabric_single_shard_read_is_use_plus_the_query(
    catalogue: Catalogue, federations: dict[str, Federation]
) -> None:
    direct = await federations["direct, two shards"].read(Shard.TRANSACTIONS, "departments")
    fabric = await federations["fabric, one server"].read(Shard.TRANSACTIONS, "departments")
    assert fabric == direct
    assert federations["fabric, one server"].sent["departments"] == 1


def test_the_api_in_fabric_mode_answers_like_direct_mode(
    catalogue: Catalogue, one_server: Settings, api_settings: Settings
) -> None:
    document = """query($c: ID!) { similarProducts(code: $c, topK: 10) {
        score rank product { code name productType { name } department { name } } } }"""
    code = catalogue.with_image[3]
    fabric_settings = one_server.model_copy(
        update={"federation": FederationMode.FABRIC, "dataset_dir": api_settings.dataset_dir}
    )
    with (
        TestClient(create_app(fabric_settings)) as fabric,
        TestClient(create_app(api_settings)) as direct,
    ):
        answer = data(fabric, document, c=code)
        assert answer == data(direct, document, c=code)
        assert len(answer["similarProducts"]) == 10
        # One composed query for the whole cross-shard read.
        app = fabric.app
        assert isinstance(app, Starlette)
        assert app.state.federation.sent == {"similar_candidates+similar_details": 1}
        assert fabric.get("/healthz").status_code == 200
