"""Class-data sharing (AppCDS) archives of the launcher's classes.

A start is mostly loading and verifying ~20k classes from ~200 jars; with an archive of them the
JVM maps them instead, and a server answers in about half the time. Java 17 can only record an
archive when a JVM exits, so after each build one throwaway server per classpath (with and without
GDS) starts on a scratch store, answers one query, and stops. A missing or outdated archive only
costs speed: the JVM then loads classes as usual.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from neo4j_local import build
from neo4j_local.bolt import StartError, wait_until_answering
from neo4j_local.filelock import locked
from neo4j_local.process import LocalServer, free_port, launch, terminate

ARCHIVES = build.TARGET / "cds"
SCRATCH = build.TARGET / "cds-recording"
RECORD_TIMEOUT_S = 300.0
SCRATCH_PASSWORD = "class-data-recording"  # guards a throwaway store on 127.0.0.1 for seconds


def flags(shard: LocalServer) -> list[str]:
    archive = _archive(_with_gds(shard))
    return [f"-XX:SharedArchiveFile={archive}"] if archive.exists() else []


def ensure_archives(shards: Iterable[LocalServer]) -> None:
    with locked(build.TARGET / ".build.lock"):
        kinds = {_with_gds(s) for s in shards}
        stale = sorted(k for k in kinds if _is_stale(k))
        if stale:
            print("recording class-data archives so that servers start faster (once per build)...")
            _record(stale)


def _with_gds(shard: LocalServer) -> bool:
    # Mirrors launch(): without a built GDS plugin the products shard runs the plain classpath.
    return shard.gds and build.gds_available()


def _archive(gds: bool) -> Path:
    return ARCHIVES / ("server-gds.jsa" if gds else "server.jsa")


def _is_stale(gds: bool) -> bool:
    archive = _archive(gds)
    if not archive.exists():
        return True
    stamps = [build.SERVER.stamp, *([build.GDS.stamp] if gds else [])]
    return any(stamp.stat().st_mtime > archive.stat().st_mtime for stamp in stamps)


def _record(kinds: list[bool]) -> None:
    ARCHIVES.mkdir(parents=True, exist_ok=True)
    runs: dict[LocalServer, int] = {}
    for gds in kinds:
        name = _archive(gds).stem
        home = SCRATCH / name
        shutil.rmtree(home, ignore_errors=True)
        port = free_port()
        shard = LocalServer(name, port, home, f"bolt://127.0.0.1:{port}", "neo4j", gds=gds)
        partial = _partial(gds)
        partial.unlink(missing_ok=True)
        runs[shard] = launch(
            shard,
            user="neo4j",
            password=SCRATCH_PASSWORD,
            heap="1g",
            pagecache="64m",
            extra_flags=[f"-XX:ArchiveClassesAtExit={partial}"],
        )
    try:
        wait_until_answering(
            runs,
            user="neo4j",
            password=SCRATCH_PASSWORD,
            deadline=time.monotonic() + RECORD_TIMEOUT_S,
            on_ready=lambda shard, pid: None,
        )
    except StartError as e:
        print(f"warning: no class-data archive ({e}); servers start without one")
    finally:
        # The JVM writes the archive while it exits, so it is complete once the process is gone.
        terminate(list(runs.values()), RECORD_TIMEOUT_S)
    for shard in runs:
        partial = _partial(shard.gds)
        if partial.exists() and partial.stat().st_size > 0:
            os.replace(partial, _archive(shard.gds))
        shutil.rmtree(shard.home, ignore_errors=True)


def _partial(gds: bool) -> Path:
    return _archive(gds).with_suffix(".partial")
