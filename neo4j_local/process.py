"""One shard's server process: its folder, pid file, launch, liveness and termination."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from neo4j_local import build

# Flags the Neo4j distribution's own launcher passes; without the opens the page cache falls back
# to a slower buffer path and Netty logs reflection warnings.
JVM_FLAGS = (
    "-XX:+UseParallelGC",  # throughput collector: fewest GC threads and least overhead on 2 cores
    "-XX:+ExitOnOutOfMemoryError",  # a dead server is clearer than one that limps on
    "-XX:-OmitStackTraceInFastThrow",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)

# Popen objects of the servers this Python process started. Holding them lets `stop` reap its own
# children (a killed child stays a zombie, and "alive" to kill(pid, 0), until its parent waits).
_children: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class LocalServer:
    name: str
    port: int
    home: Path
    bolt: str
    database: str
    gds: bool

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "neo4j.log"

    @property
    def debug_log(self) -> Path:
        return self.home / "logs" / "debug.log"


def running_pid(shard: LocalServer) -> int | None:
    """The pid of this shard's live launcher, or None; clears a pid file left by a dead one."""
    try:
        pid = int(shard.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if _is_launcher(pid, shard):
        return pid
    shard.pid_file.unlink(missing_ok=True)
    return None


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Neo4j (Netty) binds with SO_REUSEADDR, so a port held only by TIME_WAIT sockets of a
        # previous run is free for it; a listener still makes this bind fail.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def launch(
    shard: LocalServer,
    *,
    user: str,
    password: str,
    heap: str,
    pagecache: str,
    extra_flags: Sequence[str] = (),
) -> int:
    """Starts the launcher detached from this terminal and records its pid."""
    shard.home.mkdir(parents=True, exist_ok=True)
    gds = shard.gds and build.gds_available()
    command = [
        "java",
        f"-Xmx{heap}",
        *JVM_FLAGS,
        *extra_flags,
        "-cp",
        build.classpath(gds=gds),
        build.MAIN_CLASS,
        str(shard.port),
        str(shard.home),
        user,
        pagecache,
    ]
    if gds:
        command.append(str(build.gds_plugins_dir()))
    with shard.log_file.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=shard.home,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the starting shell must not reach the servers
        )
    assert process.stdin is not None
    process.stdin.write(password.encode() + b"\n")
    process.stdin.close()
    _children[process.pid] = process
    shard.pid_file.write_text(f"{process.pid}\n")
    return process.pid


def exited(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is not None
    return not _exists(pid)


def terminate(pids: list[int], timeout_s: float) -> None:
    """SIGTERM (a clean shutdown checkpoints the stores); SIGKILL what outlives timeout_s."""
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not all(exited(pid) for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        if not exited(pid):
            print(f"pid {pid} did not stop within {timeout_s:.0f} s; killing it")
            _signal(pid, signal.SIGKILL)
    while not all(exited(pid) for pid in pids):
        time.sleep(0.05)
    for pid in pids:
        child = _children.pop(pid, None)
        if child is not None:
            child.wait()


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _exists(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # A zombie (state Z) has exited; only its parent's wait is missing.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _is_launcher(pid: int, shard: LocalServer) -> bool:
    """Guards against pid reuse: the pid must still be our launcher, serving this shard's folder."""
    if exited(pid):
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return False
    return build.MAIN_CLASS.encode() in argv and str(shard.home).encode() in argv
