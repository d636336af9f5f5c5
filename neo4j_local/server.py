"""`fabric-gql neo4j start|stop|status`: the two local Neo4j Community shards.

Each shard is one JVM (see launcher/) with its store, pid file and logs under
`settings.neo4j_dir / <shard>`. The pid files let `stop` and `status` work from any shell.
"""

from __future__ import annotations

import shutil
import time

from fabric_gql.settings import Settings
from neo4j_local import build, cds
from neo4j_local.bolt import StartError, answers, connect, wait_until_answering
from neo4j_local.filelock import locked
from neo4j_local.process import LocalServer, launch, port_in_use, running_pid, terminate

STOP_TIMEOUT_S = 120.0  # a clean shutdown checkpoints the stores; big stores need a while


def shards(settings: Settings) -> list[LocalServer]:
    root = settings.neo4j_dir
    return [
        LocalServer(
            "products",
            settings.products_port,
            root / "products",
            settings.products_bolt,
            settings.products_database,
            gds=True,  # the GDS KNN method runs where the embeddings live
        ),
        LocalServer(
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
        running = {s: pid for s in shards(settings) if (pid := running_pid(s)) is not None}
        for shard in shards(settings):
            if shard not in running:
                print(f"{shard.name}: not running")
        began = time.monotonic()
        terminate(list(running.values()), STOP_TIMEOUT_S)
        for shard, pid in running.items():
            shard.pid_file.unlink(missing_ok=True)
            print(f"{shard.name}: stopped (pid {pid}, {time.monotonic() - began:.1f} s)")
    return 0


def status(settings: Settings) -> int:
    """Exit 0 when both shards answer, 3 (as LSB init scripts do) when either does not."""
    user, password = settings.neo4j_user, settings.neo4j_password.get_secret_value()
    all_answer = True
    for shard in shards(settings):
        pid = running_pid(shard)
        answering = False
        if pid is not None:
            with connect(shard, user, password) as driver:
                try:
                    answering = answers(driver, shard)
                except StartError:
                    answering = False
        all_answer = all_answer and answering
        print(
            f"{shard.name:<13} {'running' if pid else 'stopped':<8} port {shard.port:<6} "
            f"pid {pid or '-':<8} answers {'yes' if answering else 'no':<4} {shard.bolt}  "
            f"log {shard.log_file}"
        )
    return 0 if all_answer else 3


def _start(settings: Settings) -> None:
    user, password = settings.neo4j_user, settings.neo4j_password.get_secret_value()
    pending: dict[LocalServer, int] = {}
    to_launch: list[LocalServer] = []
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
        if shutil.which("java") is None:
            raise StartError("`java` (17 or newer) is not on PATH; the shards run on it")
        build.ensure_built(want_gds=any(s.gds for s in to_launch))
        cds.ensure_archives(to_launch)
    began = time.monotonic()
    # Both JVMs start at once: most of a start is class loading and JIT, and the two overlap.
    launched = [
        launch(
            shard,
            user=user,
            password=password,
            heap=settings.neo4j_heap,
            pagecache=settings.neo4j_pagecache,
            extra_flags=[*cds.flags(shard), f"-Dfabricgql.importRoot={settings.data_dir}"],
        )
        for shard in to_launch
    ]
    pending.update(zip(to_launch, launched, strict=True))

    def report(shard: LocalServer, pid: int) -> None:
        took = time.monotonic() - began
        print(f"{shard.name}: answering on {shard.bolt} (pid {pid}, {took:.1f} s)")

    try:
        wait_until_answering(
            pending,
            user=user,
            password=password,
            deadline=began + settings.neo4j_start_timeout_s,
            on_ready=report,
        )
    except StartError:
        # Nothing half-started stays behind; the logs stay for reading.
        terminate(launched, STOP_TIMEOUT_S)
        for shard in to_launch:
            shard.pid_file.unlink(missing_ok=True)
        raise
