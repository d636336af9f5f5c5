"""Neo4j's import tool (`neo4j-admin database import full`) on the local shards.

The tool writes a whole store from CSV files, so it runs only on a stopped server: `import_stores`
stops the shards it is given while the caller writes their files, runs one import per shard — a
Java subprocess on the launcher's classpath, where `org.neo4j:neo4j` already brings
`neo4j-import-tool` and the `neo4j-admin` entry point `org.neo4j.cli.AdminTool` — and starts
every stopped shard again, both JVMs at once as `fabric-gql neo4j start` does, also when the
files or an import failed (the error is raised after).
Only servers that `fabric-gql neo4j start` runs here qualify (`local_servers`): a remote shard's
store is out of reach. The import replaces the shard's store, so callers check it is empty.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fabric_gql.settings import Settings
from neo4j_local import build, cds, server
from neo4j_local.filelock import locked
from neo4j_local.process import LocalServer, running_pid, terminate

ADMIN_TOOL = "org.neo4j.cli.AdminTool"


class ImportToolError(RuntimeError):
    pass


@dataclass(frozen=True)
class ImportFiles:
    """One store's input: (label or type, CSV file with its header line) pairs, and the files
    whose quoted fields may hold a line break (the tool parses only those the slow way)."""

    nodes: list[tuple[str, Path]]
    relationships: list[tuple[str, Path]] = field(default_factory=list)
    multiline: list[Path] = field(default_factory=list)


def local_servers(settings: Settings) -> dict[str, LocalServer] | None:
    """Both shards' servers when both run here under `fabric-gql neo4j start` and the settings
    point at them; None otherwise (a shard elsewhere, or a server that is not running)."""
    if settings.products_uri is not None or settings.transactions_uri is not None:
        return None
    found = {s.name: s for s in server.shards(settings)}
    if any(running_pid(s) is None for s in found.values()):
        return None
    return found


def command(
    shard: LocalServer, files: ImportFiles, *, heap: str, memory: str, report: Path
) -> list[str]:
    args = [
        "java",
        f"-Xmx{heap}",
        "-XX:+UseParallelGC",
        # The servers' class-data archive (same classpath) maps most of the tool's classes too.
        *cds.flags(shard),
        "-cp",
        build.classpath(gds=False),
        ADMIN_TOOL,
        "database",
        "import",
        "full",
        # The database first: the last --nodes or --relationships would take it for a file.
        shard.database,
        "--overwrite-destination=true",
        f"--report-file={report}",
        f"--max-off-heap-memory={memory}",
        # The files were validated while written: any bad entry is a bug, so it must fail.
        "--bad-tolerance=0",
        "--skip-bad-relationships=false",
        "--skip-duplicate-nodes=false",
    ]
    args += [f"--nodes={label}={path}" for label, path in files.nodes]
    args += [f"--relationships={kind}={path}" for kind, path in files.relationships]
    if files.multiline:
        args += [
            "--multiline-fields-format=v2",
            "--multiline-fields=" + ",".join(str(p) for p in files.multiline),
        ]
    return args


def run_import(shard: LocalServer, files: ImportFiles, *, heap: str, memory: str) -> None:
    """One import into a stopped shard's store; the tool's output goes to `import.log` in the
    shard's folder, its last lines into the error when it fails."""
    log_path = shard.home / "import.log"
    # NEO4J_HOME is the folder the embedded server was built on, so the tool writes the very
    # store (data/databases/<db>, data/transactions/<db>) that the server opens again.
    env = {"NEO4J_HOME": str(shard.home), "NEO4J_CONF": str(shard.home / "conf")}
    args = command(shard, files, heap=heap, memory=memory, report=shard.home / "import.report")
    with log_path.open("w") as log:
        result = subprocess.run(
            args,
            cwd=shard.home,
            env={**os.environ, **env},  # the tool reads NEO4J_HOME from its environment
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
        raise ImportToolError(
            f"the import tool failed for the {shard.name} shard (exit {result.returncode}; "
            f"log {log_path}):\n{tail}"
        )


def import_stores(
    settings: Settings,
    names: Sequence[str],
    prepare: Callable[[], Mapping[str, ImportFiles]],
) -> dict[str, float]:
    """Stops the named shards while `prepare` writes their import files (a server's stop takes
    seconds, the files longer: neither waits for the other), imports each store, and starts the
    shards again, also when `prepare` or an import failed (the error is raised after). Returns
    seconds by phase: `stop` (beside `prepare`), `import <shard>`, `start`."""
    servers = local_servers(settings)
    if servers is None:
        raise ImportToolError("bulk import needs both shards running here (fabric-gql neo4j start)")
    seconds: dict[str, float] = {}

    def stop() -> None:
        began = time.perf_counter()
        _stop(settings, [servers[name] for name in names])
        seconds["stop"] = time.perf_counter() - began

    stopping = Background(stop, "import-stop")
    failure: BaseException | None = None
    try:
        stores = prepare()
        stopping.join()
        if unknown := set(stores) - set(names):
            raise ImportToolError(f"files for shards that were not stopped: {sorted(unknown)}")
        for name, files in stores.items():
            began = time.perf_counter()
            run_import(
                servers[name], files, heap=settings.neo4j_heap, memory=settings.neo4j_import_memory
            )
            seconds[f"import {name}"] = time.perf_counter() - began
    except BaseException as exc:  # the shards start again first; re-raised below
        failure = exc
    finally:
        stopping.join(reraise=False)
        began = time.perf_counter()
        started = server.start(settings)
        seconds["start"] = time.perf_counter() - began
    if failure is not None:
        raise failure
    if started != 0:
        raise ImportToolError("the shards did not start again after the import (see their logs)")
    return seconds


class Background:
    """A function run on a thread; `join` waits, returns its seconds and re-raises its error."""

    def __init__(self, work: Callable[[], None], name: str) -> None:
        self.error: BaseException | None = None
        self.seconds = 0.0

        def run() -> None:
            began = time.perf_counter()
            try:
                work()
            except BaseException as exc:  # re-raised by join, in the caller's thread
                self.error = exc
            self.seconds = time.perf_counter() - began

        self.thread = threading.Thread(target=run, name=name, daemon=True)
        self.thread.start()

    def join(self, *, reraise: bool = True) -> float:
        self.thread.join()
        if reraise and self.error is not None:
            raise self.error
        return self.seconds


def _stop(settings: Settings, shards: list[LocalServer]) -> None:
    with locked(settings.neo4j_dir / ".lock"):
        pids = [pid for s in shards if (pid := running_pid(s)) is not None]
        terminate(pids, server.STOP_TIMEOUT_S)
        for shard in shards:
            shard.pid_file.unlink(missing_ok=True)
