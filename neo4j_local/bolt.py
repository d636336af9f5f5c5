"""Asking launched servers over Bolt whether they answer, and waiting until they do."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from neo4j import Driver, GraphDatabase, Query
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from cypher.loader import text
from cypher.shards import metadata
from neo4j_local.process import LocalServer, exited

POLL_S = 0.25


class StartError(RuntimeError):
    pass


def connect(shard: LocalServer, user: str, password: str) -> Driver:
    return GraphDatabase.driver(shard.bolt, auth=(user, password), connection_timeout=2.0)


def answers(driver: Driver, shard: LocalServer) -> bool:
    """One auto-commit query, without the driver's retries (callers poll). Refused credentials
    raise StartError: waiting longer cannot fix them."""
    try:
        with driver.session(database=shard.database) as session:
            session.run(Query(text("health"), metadata=metadata("health"))).consume()
    except AuthError as e:
        raise StartError(
            f"the {shard.name} server refused the configured credentials ({e.message}). "
            f"The password is set only when a store is created, and {shard.home} was created "
            "with another one: use that, or stop the server and delete the folder."
        ) from e
    except (DriverError, Neo4jError, OSError):
        return False
    return True


def wait_until_answering(
    pending: Mapping[LocalServer, int],
    *,
    user: str,
    password: str,
    deadline: float,
    on_ready: Callable[[LocalServer, int], None],
) -> None:
    """Polls each launched server (shard -> pid) until it answers; StartError names the log of a
    server that exits or runs past the monotonic deadline."""
    drivers = {shard: connect(shard, user, password) for shard in pending}
    try:
        waiting = dict(pending)
        while waiting:
            for shard, pid in list(waiting.items()):
                if exited(pid):
                    raise StartError(
                        f"the {shard.name} server (pid {pid}) exited while starting; see "
                        f"{shard.log_file} and {shard.debug_log}\n{_tail(shard.log_file)}"
                    )
                if answers(drivers[shard], shard):
                    del waiting[shard]
                    on_ready(shard, pid)
            if not waiting:
                return
            if time.monotonic() > deadline:
                logs = ", ".join(str(s.log_file) for s in waiting)
                raise StartError(f"{', '.join(s.name for s in waiting)} did not answer; see {logs}")
            time.sleep(POLL_S)
    finally:
        for driver in drivers.values():
            driver.close()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""
