"""`fabric-gql reset --yes`: empties both shards, every node and relationship (products, customers,
purchases, similarities, embeddings, job records, load watermarks). Constraints and indexes
stay, so a load can follow at once. Tests and benchmarks that need empty shards call
`reset_shards` too."""

from __future__ import annotations

from cypher.shards import Row, Shard, SyncShards
from fabric_gql.settings import Settings


def shard_sizes(shards: SyncShards) -> dict[Shard, Row]:
    """Each shard's `nodes` and `relationships`."""
    return {shard: shards.read(shard, "shard_size")[0] for shard in Shard}


def reset_shards(shards: SyncShards) -> dict[Shard, Row]:
    """Deletes everything on both shards; returns what each held."""
    held = shard_sizes(shards)
    for shard in Shard:
        shards.autocommit(shard, "reset")
    return held


def _lines(sizes: dict[Shard, Row]) -> list[str]:
    return [
        f"  {shard.value:<13} {size['nodes']:>12,} nodes {size['relationships']:>14,} relationships"
        for shard, size in sizes.items()
    ]


def run_reset(settings: Settings, *, yes: bool) -> int:
    with SyncShards(settings) as shards:
        if not yes:
            print("Would delete everything on both shards (constraints and indexes stay):")
            print("\n".join(_lines(shard_sizes(shards))))
            print("Nothing deleted: run `fabric-gql reset --yes` to delete it.")
            return 1
        removed = reset_shards(shards)
    print("Deleted (constraints and indexes kept):")
    print("\n".join(_lines(removed)))
    return 0
