"""What the API benchmarks share: a light keep-alive HTTP load generator, a driver of concurrent
clients recording each request's latency, the percentile line, and a real `fabric-gql serve`
started and waited for. Import it as `bench.common` (run the benchmarks with `python -m bench.x`
from the repository root, so bench/ingest.py never shadows the ingest package).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Run:
    name: str
    latencies: list[float]
    seconds: float

    def quantiles(self) -> list[float]:
        """The 1st..99th percentiles in ms."""
        ms = sorted(x * 1000 for x in self.latencies)
        return statistics.quantiles(ms, n=100, method="inclusive")

    def line(self) -> str:
        q = self.quantiles()
        rate = len(self.latencies) / self.seconds
        return (
            f"{self.name:<22} p50 {q[49]:7.2f} ms   p95 {q[94]:7.2f} ms   p99 {q[98]:7.2f} ms"
            f"   {rate:8.0f} req/s   ({len(self.latencies)} requests)"
        )

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)


def merge(runs: Sequence[Run]) -> Run:
    return Run(
        runs[0].name,
        [x for run in runs for x in run.latencies],
        sum(run.seconds for run in runs),
    )


async def drive(
    name: str,
    call: Callable[[T], Awaitable[R]],
    items: Sequence[T],
    clients: int,
    check: Callable[[T, R], str | None] | None = None,
) -> Run:
    """`clients` workers share the list of items; each request's latency is recorded. `check`
    says what is wrong with an answer (None when nothing is), which ends the run."""
    queue = list(reversed(items))
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            item = queue.pop()
            started = time.perf_counter()
            result = await call(item)
            latencies.append(time.perf_counter() - started)
            problem = check(item, result) if check is not None else None
            if problem is not None:
                raise SystemExit(f"{name}: {problem}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return Run(name, latencies, time.perf_counter() - started)


class Connections:
    """Keep-alive HTTP/1.1 connections, one per client: a load generator much lighter than a
    general HTTP client, so the client's own cost stays out of the API's figures."""

    def __init__(self, port: int, n: int) -> None:
        self.port, self.n = port, n
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )

    async def open(self) -> None:
        for _ in range(self.n):
            self.idle.put_nowait(await asyncio.open_connection("127.0.0.1", self.port))

    async def post_json(self, path: str, payload: dict[str, Any]) -> Any:
        body = json.dumps(payload).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        reader, writer = await self.idle.get()
        try:
            writer.write(head + body)
            headers = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            if not headers.startswith("http/1.1 200"):
                raise SystemExit(f"API answered {headers.splitlines()[0]}")
            length = int(headers.split("content-length:")[1].split("\r\n")[0])
            return json.loads(await reader.readexactly(length))
        finally:
            self.idle.put_nowait((reader, writer))

    async def close(self) -> None:
        while not self.idle.empty():
            _, writer = self.idle.get_nowait()
            writer.close()


def start_server(port: int) -> subprocess.Popen[bytes]:
    """`fabric-gql serve` on loopback, with this process's environment (its shards)."""
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, env=os.environ.copy())


async def wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit("the API server exited")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("the API server did not become healthy")
