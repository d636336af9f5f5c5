"""One driver per shard, the database always named, every query tagged with its name."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import neo4j
from neo4j import AsyncGraphDatabase, GraphDatabase

from cypher.loader import text
from fabric_gql.errors import translate_driver_error
from fabric_gql.settings import Settings


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


def _tagged(name: str) -> Any:
    """Managed transactions take the query's tag on the work function (a `Query` object is
    only accepted by `session.run`)."""
    return neo4j.unit_of_work(metadata={"app": "fabric-gql", "query": name})


def _auth(settings: Settings) -> tuple[str, str]:
    return (settings.neo4j_user, settings.neo4j_password.get_secret_value())


class SyncShards:
    """Blocking drivers for command-line jobs (load, benchmarks)."""

    def __init__(self, settings: Settings) -> None:
        self.targets = targets(settings)
        self.drivers = {
            shard: GraphDatabase.driver(
                t.uri, auth=_auth(settings), notifications_min_severity="OFF"
            )
            for shard, t in self.targets.items()
        }

    def session(self, shard: Shard) -> neo4j.Session:
        return self.drivers[shard].session(database=self.targets[shard].database)

    def read(self, shard: Shard, name: str, **params: Any) -> list[dict[str, Any]]:
        return self._run(shard, name, params, write=False)

    def write(self, shard: Shard, name: str, **params: Any) -> list[dict[str, Any]]:
        return self._run(shard, name, params, write=True)

    def _run(
        self, shard: Shard, name: str, params: dict[str, Any], *, write: bool
    ) -> list[dict[str, Any]]:
        @_tagged(name)
        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(text(name), params)]

        try:
            with self.session(shard) as session:
                return session.execute_write(work) if write else session.execute_read(work)
        except Exception as exc:
            raise translate_driver_error(exc, shard.value) from exc

    def close(self) -> None:
        for driver in self.drivers.values():
            driver.close()

    def __enter__(self) -> SyncShards:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncShards:
    """Async drivers for the app. Counts the queries it sends, per shard and name."""

    def __init__(self, settings: Settings, *, connection_timeout: float = 3.0) -> None:
        self.targets = targets(settings)
        self.drivers = {
            shard: AsyncGraphDatabase.driver(
                t.uri,
                auth=_auth(settings),
                # Notes on labels not in the store yet (before a load or a recompute) are noise.
                notifications_min_severity="OFF",
                connection_timeout=connection_timeout,
                max_transaction_retry_time=connection_timeout,
            )
            for shard, t in self.targets.items()
        }
        self.sent: Counter[tuple[Shard, str]] = Counter()

    async def read(self, shard: Shard, name: str, **params: Any) -> list[dict[str, Any]]:
        return await self._run(shard, name, params, write=False)

    async def write(self, shard: Shard, name: str, **params: Any) -> list[dict[str, Any]]:
        return await self._run(shard, name, params, write=True)

    async def _run(
        self, shard: Shard, name: str, params: dict[str, Any], *, write: bool
    ) -> list[dict[str, Any]]:
        @_tagged(name)
        async def work(tx: neo4j.AsyncManagedTransaction) -> list[dict[str, Any]]:
            result = await tx.run(text(name), params)
            return [record.data() async for record in result]

        self.sent[(shard, name)] += 1
        database = self.targets[shard].database
        try:
            async with self.drivers[shard].session(database=database) as session:
                if write:
                    return await session.execute_write(work)
                return await session.execute_read(work)
        except Exception as exc:
            raise translate_driver_error(exc, shard.value) from exc

    async def close(self) -> None:
        for driver in self.drivers.values():
            await driver.close()
