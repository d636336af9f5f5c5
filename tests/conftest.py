"""Shared fixtures. Tests that need Neo4j use the shards named by the settings (the test script
starts a dedicated pair on their own ports and data folder, so a run never touches demo data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cypher import loader
from cypher.shards import Shard, SyncShards
from fabric_gql.errors import ShardUnavailable
from fabric_gql.settings import Settings, get_settings

# The tests' own queries (fixture edges), sent through the same clients as the production ones.
loader.include(Path(__file__).parent / "cypher")

# Fixtures for running the real app (uvicorn on loopback, clients), shared by the API tests, and
# for the tests with real `fabric-gql` processes.
pytest_plugins = ("gql_support", "processes")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def sync_shards(settings: Settings) -> Iterator[SyncShards]:
    shards = SyncShards(settings)
    try:
        for shard in Shard:
            shards.read(shard, "shard_size")
    except ShardUnavailable as exc:
        shards.close()
        # The shards are the core path: failing, not skipping, is the honest outcome.
        pytest.fail(
            f"{exc}. Start them with `fabric-gql neo4j start` (the test script does this).",
            pytrace=False,
        )
    yield shards
    shards.close()


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated H&M-layout folder with images, made once per run."""
    from hm.generate import generate

    out = tmp_path_factory.mktemp("hm-small")
    generate(out, articles=120, customers=300, transactions=3000, seed=7, images=True)
    return out
