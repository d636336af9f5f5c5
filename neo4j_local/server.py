"""`fabric-gql neo4j start|stop|status`: the two local Neo4j Community shards.

Each shard is one JVM (see launcher/) with its store, pid file and logs under
`settings.neo4j_dir / <shard>`. The pid files let `stop` and `status` work from any shell.
"""

from __future__ import annotations

import time
from pathlib import Path

from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from fabric_gql.settings import Settings
from neo4j_local import build
from neo4j_local.filelock import locked
from neo4j_local.process import Shard, exited, launch, port_in_use, running_pid, terminate

STOP_TIMEOUT_S = 120.0  # a clean shutdown checkpoints the stores; big stores need a while
POLL_S = 0.25


class StartError(RuntimeError):
    pass


def shards(settings: Settings) -> list[Shard]:
    root = settings.neo4j_dir
    return [
        Shard(
            "products",
            settings.products_port,
            root / "products",
            settings.products_bolt,
            settings.products_database,
            gds=True,  # the GDS KNN method runs where the embeddings live
        ),
        Shard(
            "transactions",
            settings.transactions_port,
            root / "transactions",
            settings.transactions_bolt,
            settings.transactions_database,
            gds=False,
        ),
    ]


def start(settings: Settings) -> int:
    try:
        with locked(settings.neo4j_dir / ".lock"):
            _start(settings)
    except (StartError, build.BuildError) as e:
        print(f"error: {e}")
        return 1
    return 0


def stop(settings: Settings) -> int:
    with locked(settings.neo4j_dir / ".lock"):
        running = [(s, pid) for s in shards(settings) if (pid := running_pid(s)) is not None]
        for shard in shards(settings):
            if all(shard != s for s, _ in running):
                print(f"{shard.name}: not running")
        began = time.monotonic()
        terminate([pid for _, pid in running], STOP_TIMEOUT_S)
        for shard, pid in running:
            shard.pid_file.unlink(missing_ok=True)
            print(f"{shard.name}: stopped (pid {pid}, {time.monotonic() - began:.1f} s)")
    return 0


def status(settings: Settings) -> int:
    """Exit 0 when both shards answer, 3 (as LSB init scripts do) when either does not."""
    all_answer = True
    for shard in shards(settings):
        pid = running_pid(shard)
        answers = pid is not None and _answers(shard, settings)
        all_answer = all_answer and answers
        state = "running" if pid is not None else "stopped"
        print(
            f"{shard.name:<13} {state:<8} port {shard.port:<6} pid {pid or '-':<8} "
            f"answers {'yes' if answers else 'no':<4} {shard.bolt}  log {shard.log_file}"
        )
    return 0 if all_answer else 3


def _start(settings: Settings) -> None:
    user, password = settings.neo4j_user, settings.neo4j_password.get_secret_value()
    pending: dict[Shard, int] = {}
    to_launch: list[Shard] = []
    for shard in shards(settings):
        pid = running_pid(shard)
        if pid is None:
            to_launch.append(shard)
        else:
            print(f"{shard.name}: already running (pid {pid}, port {shard.port})")
            pending[shard] = pid
    # Every port is checked before anything starts, so a clash leaves nothing half-started.
    for shard in to_launch:
        if port_in_use(shard.port):
            raise StartError(
                f"port {shard.port} ({shard.name} shard) is already in use by another process; "
                f"stop it or set FABRIC_GQL_{shard.name.upper()}_PORT"
            )
    if to_launch:
        build.ensure_built(want_gds=any(s.gds for s in to_launch))
    began = time.monotonic()
    # Both JVMs start at once: most of a start is class loading and JIT, and the two overlap.
    launched = [
        launch(
            s,
            user=user,
            password=password,
            heap=settings.neo4j_heap,
            pagecache=settings.neo4j_pagecache,
        )
        for s in to_launch
    ]
    pending.update(zip(to_launch, launched, strict=True))
    try:
        _wait_until_answering(pending, settings, began)
    except StartError:
        terminate(launched, STOP_TIMEOUT_S)
        for shard in to_launch:
            shard.pid_file.unlink(missing_ok=True)
        raise


def _wait_until_answering(pending: dict[Shard, int], settings: Settings, began: float) -> None:
    deadline = began + settings.neo4j_start_timeout_s
    drivers = {s: _driver(s, settings) for s in pending}
    try:
        waiting = dict(pending)
        while waiting:
            for shard, pid in list(waiting.items()):
                if exited(pid):
                    raise StartError(
                        f"the {shard.name} server (pid {pid}) exited while starting; "
                        f"see {shard.log_file} and {shard.debug_log}\n{_tail(shard.log_file)}"
                    )
                if _query_ok(drivers[shard], shard):
                    del waiting[shard]
                    print(
                        f"{shard.name}: answering on {shard.bolt} (pid {pid}, "
                        f"{time.monotonic() - began:.1f} s)"
                    )
            if waiting and time.monotonic() > deadline:
                names = ", ".join(s.name for s in waiting)
                logs = ", ".join(str(s.log_file) for s in waiting)
                raise StartError(
                    f"{names} did not answer within {settings.neo4j_start_timeout_s:.0f} s; "
                    f"see {logs}"
                )
            if waiting:
                time.sleep(POLL_S)
    finally:
        for driver in drivers.values():
            driver.close()


def _driver(shard: Shard, settings: Settings) -> Driver:
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    return GraphDatabase.driver(shard.bolt, auth=auth, connection_timeout=2.0)


def _query_ok(driver: Driver, shard: Shard) -> bool:
    """One auto-commit query, without the driver's retries: the caller polls."""
    try:
        with driver.session(database=shard.database) as session:
            session.run("RETURN 1").consume()
    except AuthError as e:
        raise StartError(
            f"the {shard.name} server refused the configured credentials ({e.message}). "
            f"The password is set only when a store is created; {shard.home} was created with "
            "another one. Use that password, or stop and delete the folder to start afresh."
        ) from e
    except (DriverError, Neo4jError, OSError):
        return False
    return True


def _answers(shard: Shard, settings: Settings) -> bool:
    with _driver(shard, settings) as driver:
        try:
            return _query_ok(driver, shard)
        except StartError:
            return False


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""
