"""The one way Cypher is sent: one driver per shard, the database always named, every
transaction tagged with its query's name (so a slow query in the server's log names its
source), and driver errors translated on the way out (`fabric_gql.errors.driver_errors`).

Four kinds of work, the same on the blocking (`SyncShards`: command line, jobs) and the async
(`AsyncShards`: the app) clients:

- `read(shard, name, **params)` / `write(...)`: one named query in a managed transaction (the
  driver retries what is retryable), its rows as dicts.
- `unit(shard, name, work)` (blocking only): several named statements in one write
  transaction, e.g. a batch and its watermark; `work` gets a `Tx` whose `run(name, **params)`
  sends each. The transaction is tagged with the unit's name.
- `autocommit(shard, name, **params)`: each `;`-separated statement of the file in an
  auto-commit transaction, for `CALL { ... } IN TRANSACTIONS` and schema files.

`run_managed` and `run_autocommit` are the layer under both, also used by the Fabric
federation for its composed text.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, GraphDatabase, Query
from prometheus_client import Counter as Metric

from cypher import deadline
from cypher.loader import statements, text
from fabric_gql.errors import driver_errors
from fabric_gql.settings import Settings

Row = dict[str, Any]
Rows = list[Row]
T = TypeVar("T")
# What the process sent, for /metrics (gql.metrics): shard (`fabric` for a composed Fabric
# query) and query name; a unit counts once, by its name. Health pings are not counted.
QUERIES = Metric(
    "fabric_gql_cypher_queries", "Cypher queries sent, by shard and query name.", ["shard", "query"]
)


class Shard(StrEnum):
    PRODUCTS = "products"
    TRANSACTIONS = "transactions"


@dataclass(frozen=True)
class ShardTarget:
    shard: Shard
    uri: str
    database: str


def targets(settings: Settings) -> dict[Shard, ShardTarget]:
    return {
        Shard.PRODUCTS: ShardTarget(
            Shard.PRODUCTS, settings.products_bolt, settings.products_database
        ),
        Shard.TRANSACTIONS: ShardTarget(
            Shard.TRANSACTIONS, settings.transactions_bolt, settings.transactions_database
        ),
    }


def metadata(name: str) -> dict[str, str]:
    """The transaction metadata every query carries: the server's query log shows it."""
    return {"app": "fabric-gql", "query": name}


def auth(settings: Settings) -> tuple[str, str]:
    return (settings.neo4j_user, settings.neo4j_password.get_secret_value())


class Tx:
    """One managed write transaction of a `unit`: named statements, sent in order."""

    def __init__(self, tx: neo4j.ManagedTransaction) -> None:
        self._tx = tx

    def run(self, name: str, **params: Any) -> Rows:
        return [record.data() for record in self._tx.run(text(name), params)]


def _sync_managed(
    driver: neo4j.Driver, database: str, where: str, name: str, work: Callable[[Any], T],
    *, write: bool,
) -> T:  # fmt: skip
    QUERIES.labels(where, name).inc()
    tagged = neo4j.unit_of_work(metadata=metadata(name))(work)
    with driver_errors(where, name), driver.session(database=database) as session:
        return session.execute_write(tagged) if write else session.execute_read(tagged)


class SyncShards:
    """Blocking drivers for the command line and the jobs' worker threads."""

    def __init__(self, settings: Settings) -> None:
        self.targets = targets(settings)
        self.drivers = {
            shard: GraphDatabase.driver(
                t.uri, auth=auth(settings), notifications_min_severity="OFF"
            )
            for shard, t in self.targets.items()
        }

    def read(self, shard: Shard, name: str, **params: Any) -> Rows:
        return self._one(shard, name, params, write=False)

    def write(self, shard: Shard, name: str, **params: Any) -> Rows:
        return self._one(shard, name, params, write=True)

    def _one(self, shard: Shard, name: str, params: dict[str, Any], *, write: bool) -> Rows:
        def work(tx: neo4j.ManagedTransaction) -> Rows:
            return [record.data() for record in tx.run(text(name), params)]

        database = self.targets[shard].database
        return _sync_managed(self.drivers[shard], database, shard.value, name, work, write=write)

    def unit(self, shard: Shard, name: str, work: Callable[[Tx], T]) -> T:
        database = self.targets[shard].database
        return _sync_managed(
            self.drivers[shard], database, shard.value, name, lambda tx: work(Tx(tx)), write=True
        )

    def autocommit(self, shard: Shard, name: str, **params: Any) -> None:
        database = self.targets[shard].database
        QUERIES.labels(shard.value, name).inc()
        with (
            driver_errors(shard.value, name),
            self.drivers[shard].session(database=database) as session,
        ):
            for statement in statements(name):
                session.run(Query(statement, metadata=metadata(name)), params).consume()

    def close(self) -> None:
        for driver in self.drivers.values():
            driver.close()

    def __enter__(self) -> SyncShards:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def run_managed(
    driver: neo4j.AsyncDriver, database: str, where: str, name: str, text_: LiteralString,
    params: dict[str, Any], *, write: bool = False,
) -> Rows:  # fmt: skip
    """`text_` in a managed transaction tagged `name`; errors translated as from `where`. Within
    a request's deadline (cypher.deadline) the transaction gets what is left as its timeout."""

    @neo4j.unit_of_work(metadata=metadata(name), timeout=deadline.transaction_timeout())
    async def work(tx: neo4j.AsyncManagedTransaction) -> Rows:
        result = await tx.run(text_, params)
        return [record.data() async for record in result]

    async def send() -> Rows:
        with driver_errors(where, name):
            async with driver.session(database=database) as session:
                if write:
                    return await session.execute_write(work)
                return await session.execute_read(work)

    # Shielded: graphql-core cancels the sibling fields of a field that fails, and a session
    # cancelled mid-query leaves its socket unclosed (neo4j 6.4). The transaction ends anyway by
    # its own timeout, which the request's deadline bounds.
    return await asyncio.shield(send())


async def run_autocommit(
    driver: neo4j.AsyncDriver, database: str, where: str, name: str, text_: LiteralString,
    params: dict[str, Any],
) -> None:  # fmt: skip
    """`text_` in one auto-commit transaction (no retries), tagged `name`."""
    with driver_errors(where, name):
        async with driver.session(database=database) as session:
            result = await session.run(Query(text_, metadata=metadata(name)), params)
            await result.consume()


class AsyncShards:
    """Async drivers for the app. Counts the queries it sends, per shard and name."""

    def __init__(self, settings: Settings, *, connection_timeout: float = 3.0) -> None:
        self.targets = targets(settings)
        self.drivers = {
            shard: AsyncGraphDatabase.driver(
                t.uri,
                auth=auth(settings),
                # Notes on labels not in the store yet (before a load or a recompute) are noise.
                notifications_min_severity="OFF",
                connection_timeout=connection_timeout,
                max_transaction_retry_time=connection_timeout,
            )
            for shard, t in self.targets.items()
        }
        self.sent: Counter[tuple[Shard, str]] = Counter()

    async def read(self, shard: Shard, name: str, **params: Any) -> Rows:
        return await self._one(shard, name, params, write=False)

    async def write(self, shard: Shard, name: str, **params: Any) -> Rows:
        return await self._one(shard, name, params, write=True)

    async def _one(self, shard: Shard, name: str, params: dict[str, Any], *, write: bool) -> Rows:
        self.sent[(shard, name)] += 1
        QUERIES.labels(shard.value, name).inc()
        driver, database = self.drivers[shard], self.targets[shard].database
        return await run_managed(
            driver, database, shard.value, name, text(name), params, write=write
        )

    async def autocommit(self, shard: Shard, name: str, **params: Any) -> None:
        self.sent[(shard, name)] += 1
        QUERIES.labels(shard.value, name).inc()
        driver, database = self.drivers[shard], self.targets[shard].database
        for statement in statements(name):
            await run_autocommit(driver, database, shard.value, name, statement, params)

    async def close(self) -> None:
        for driver in self.drivers.values():
            await driver.close()
