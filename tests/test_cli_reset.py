"""`fabric-gql reset` against the real shards: refused without --yes, everything gone with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from cypher.shards import Row, Shard, SyncShards
from ingest.load import load_dataset, shard_counts
from ingest.reset import reset_shards, shard_sizes

pytestmark = pytest.mark.neo4j


@pytest.fixture
def loaded(sync_shards: SyncShards, small_dataset: Path) -> dict[Shard, Row]:
    """Both shards holding the small dataset; their sizes."""
    reset_shards(sync_shards)
    load_dataset(sync_shards, small_dataset, batch_size=500)
    sizes = shard_sizes(sync_shards)
    assert sizes[Shard.PRODUCTS]["nodes"] > 0 and sizes[Shard.TRANSACTIONS]["relationships"] > 0
    return sizes


def test_reset_without_yes_says_what_it_would_delete_and_deletes_nothing(
    loaded: dict[Shard, Row], sync_shards: SyncShards, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reset"]) == 1
    out = capsys.readouterr().out
    assert "Nothing deleted" in out and "--yes" in out
    for shard, size in loaded.items():
        line = next(line for line in out.splitlines() if line.split()[:1] == [shard.value])
        assert f"{size['nodes']:,} nodes" in line
        assert f"{size['relationships']:,} relationships" in line
    assert shard_sizes(sync_shards) == loaded


def test_reset_with_yes_empties_both_shards_and_says_what_it_removed(
    loaded: dict[Shard, Row], sync_shards: SyncShards, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reset", "--yes"]) == 0
    out = capsys.readouterr().out
    for shard, size in loaded.items():
        line = next(line for line in out.splitlines() if line.split()[:1] == [shard.value])
        assert f"{size['nodes']:,} nodes" in line
    empty = {"nodes": 0, "relationships": 0}
    assert shard_sizes(sync_shards) == {Shard.PRODUCTS: empty, Shard.TRANSACTIONS: empty}
    counts = shard_counts(sync_shards)
    assert set(counts["transactions"].values()) == {0} and set(counts["products"].values()) == {0}


def test_reset_keeps_constraints_and_indexes(
    loaded: dict[Shard, Row], sync_shards: SyncShards
) -> None:
    before = {shard: sync_shards.read(shard, "index_names") for shard in Shard}
    assert all(before.values())
    reset_shards(sync_shards)
    assert {shard: sync_shards.read(shard, "index_names") for shard in Shard} == before
