"""Reads across the two shards, written once as shard parts and run in either federation mode.

A cross-shard read is two named queries (`Part`s). The first runs on its shard alone and returns
one column, `row` (a map). The second starts with the line `UNWIND $rows AS row`, is fed the
first part's rows, and returns one column `row` as well: it joins what its shard knows onto each
row. Single-shard reads are one named query.

- direct: one driver per shard (`AsyncShards`). A cross-shard read runs the first part, then the
  second with `rows` as a parameter; the caller joins and ranks in Python. Independent reads are
  separate DataLoader batches, dispatched as concurrent tasks.
- fabric: one driver to a Fabric / composite database. The same part texts are composed into one
  query, each inside `CALL { USE <graph> ... }`; a single-shard read is `USE <graph>` + its text.
  Graph names come from settings (`fabric_graphs`) and must match `GRAPH_NAME`: Neo4j takes no
  parameter in `USE`, so a checked name is the one thing composed into query text; values only
  ever travel as parameters.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, LiteralString, Protocol, cast

import neo4j
from neo4j import AsyncGraphDatabase

from cypher.loader import text
from cypher.shards import QUERIES, AsyncShards, Rows, Shard, auth, run_autocommit, run_managed
from fabric_gql.errors import ShardUnavailable
from fabric_gql.settings import FederationMode, Settings

# A composite alias (`fabric.products`) or a plain database name (`neo4j`); nothing to escape.
GRAPH_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}(\.[A-Za-z][A-Za-z0-9_]{0,62})?")
ROWS_HEADER = "UNWIND $rows AS row"


@dataclass(frozen=True)
class Part:
    shard: Shard
    name: str


@dataclass(frozen=True)
class CrossShardRead:
    name: str
    first: Part
    then: Part


# The reference read (DESIGN.md): neighbours from the products shard, their product, type and
# department from the transactions shard.
SIMILAR = CrossShardRead(
    "similar",
    Part(Shard.PRODUCTS, "similar_candidates"),
    Part(Shard.TRANSACTIONS, "similar_details"),
)
# A search by image: the vector index's nearest products, then the same details as SIMILAR's.
SEARCH_BY_IMAGE = CrossShardRead(
    "search_by_image",
    Part(Shard.PRODUCTS, "search_by_image_candidates"),
    Part(Shard.TRANSACTIONS, "similar_details"),
)
READS = (SIMILAR, SEARCH_BY_IMAGE)


def fabric_graphs(settings: Settings) -> dict[Shard, str]:
    """Each shard's graph in the Fabric / composite database, checked."""
    return {
        Shard.PRODUCTS: check_graph_name(settings.fabric_products_graph),
        Shard.TRANSACTIONS: check_graph_name(settings.fabric_transactions_graph),
    }


def check_graph_name(name: str) -> str:
    if not GRAPH_NAME.fullmatch(name):
        raise ValueError(f"not a plain graph name: {name!r} (expected e.g. 'fabric.products')")
    return name


def _body_after_rows_header(name: str) -> str:
    """The second part's text without its `UNWIND $rows AS row` line (comments kept)."""
    lines = text(name).splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        if stripped != ROWS_HEADER:
            raise ValueError(f"{name}.cypher must start with `{ROWS_HEADER}`")
        return "\n".join(lines[:i] + lines[i + 1 :])
    raise ValueError(f"{name}.cypher is empty")


def _indent(block: str) -> str:
    return "\n".join("  " + line if line else line for line in block.splitlines())


def compose_single(name: str, graph: str) -> LiteralString:
    # The loader is the one place that casts file text; this adds only a checked graph name.
    # (mypy reads LiteralString as str, so it calls the cast redundant; the driver does not.)
    return cast(LiteralString, f"USE {check_graph_name(graph)}\n{text(name)}")  # type: ignore[redundant-cast]


def compose_cross(read: CrossShardRead, graphs: dict[Shard, str]) -> LiteralString:
    """One Fabric query from the two parts: the first part's rows collected and handed to the
    second through an importing WITH (the form both 4.x Fabric and 5.x composites accept)."""
    first_graph = check_graph_name(graphs[read.first.shard])
    then_graph = check_graph_name(graphs[read.then.shard])
    composed = "\n".join(
        [
            "CALL {",
            f"  USE {first_graph}",
            _indent(text(read.first.name)),
            "}",
            "WITH collect(row) AS rows",
            "CALL {",
            "  WITH rows",
            f"  USE {then_graph}",
            "  UNWIND rows AS row",
            _indent(_body_after_rows_header(read.then.name)),
            "}",
            "RETURN row",
        ]
    )
    # The loader is the one place that casts file text; this adds only checked graph names.
    return cast(LiteralString, composed)  # type: ignore[redundant-cast]


class Federation(Protocol):
    """What resolvers use; `sent` counts the queries sent, by name."""

    @property
    def sent(self) -> Counter[str]: ...

    async def read(self, shard: Shard, name: str, **params: Any) -> Rows: ...

    async def read_across(self, read: CrossShardRead, **params: Any) -> Rows: ...

    async def ping(self, shard: Shard) -> None: ...

    async def close(self) -> None: ...


class DirectFederation:
    def __init__(self, shards: AsyncShards, timeout_s: float) -> None:
        self.shards = shards
        self.timeout_s = timeout_s

    @property
    def sent(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (_, name), n in self.shards.sent.items():
            counts[name] += n
        return counts

    async def read(self, shard: Shard, name: str, **params: Any) -> Rows:
        return await self.shards.read(shard, name, **params)

    async def read_across(self, read: CrossShardRead, **params: Any) -> Rows:
        first = await self.read(read.first.shard, read.first.name, **params)
        if not first:
            return []
        rows = [record["row"] for record in first]
        then = await self.read(read.then.shard, read.then.name, **{**params, "rows": rows})
        return [record["row"] for record in then]

    async def ping(self, shard: Shard) -> None:
        target = self.shards.targets[shard]
        driver = self.shards.drivers[shard]
        await _ping(driver, target.database, text("health"), shard, self.timeout_s)

    async def close(self) -> None:
        await self.shards.close()


class FabricFederation:
    def __init__(self, settings: Settings, graphs: dict[Shard, str]) -> None:
        if not settings.fabric_uri:
            raise ValueError("federation=fabric needs FABRIC_GQL_FABRIC_URI")
        self.graphs = {shard: check_graph_name(g) for shard, g in graphs.items()}
        self.database = settings.fabric_database
        self.timeout_s = settings.shard_connect_timeout_s
        self.driver = AsyncGraphDatabase.driver(
            settings.fabric_uri,
            auth=auth(settings),
            notifications_min_severity="OFF",
            connection_timeout=self.timeout_s,
            max_transaction_retry_time=self.timeout_s,
        )
        self.sent: Counter[str] = Counter()

    async def _read(
        self, where: str, name: str, composed: LiteralString, params: dict[str, Any]
    ) -> Rows:
        self.sent[name] += 1
        QUERIES.labels(where, name).inc()
        return await run_managed(self.driver, self.database, where, name, composed, params)

    async def read(self, shard: Shard, name: str, **params: Any) -> Rows:
        composed = compose_single(name, self.graphs[shard])
        return await self._read(shard.value, name, composed, params)

    async def read_across(self, read: CrossShardRead, **params: Any) -> Rows:
        # One query over both graphs: a failure cannot be pinned on one shard from here.
        composed = compose_cross(read, self.graphs)
        name = f"{read.first.name}+{read.then.name}"
        return [record["row"] for record in await self._read("fabric", name, composed, params)]

    async def ping(self, shard: Shard) -> None:
        health = compose_single("health", self.graphs[shard])
        await _ping(self.driver, self.database, health, shard, self.timeout_s)

    async def close(self) -> None:
        await self.driver.close()


async def _ping(
    driver: neo4j.AsyncDriver, database: str, health: LiteralString, shard: Shard,
    timeout_s: float,
) -> None:  # fmt: skip
    """One auto-commit attempt, no retries: a health check reports, it does not wait for
    recovery."""
    try:
        await asyncio.wait_for(
            run_autocommit(driver, database, shard.value, "health", health, {}), timeout_s
        )
    except TimeoutError as exc:
        raise ShardUnavailable(shard.value, "no answer in time") from exc


def create_federation(settings: Settings, shards: AsyncShards | None = None) -> Federation:
    """Direct mode reads through `shards` when given (the app shares them with its jobs)."""
    if settings.federation is FederationMode.FABRIC:
        return FabricFederation(settings, fabric_graphs(settings))
    if shards is None:
        shards = AsyncShards(settings, connection_timeout=settings.shard_connect_timeout_s)
    return DirectFederation(shards, settings.shard_connect_timeout_s)
