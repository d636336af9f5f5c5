"""The real H&M size, end to end: a synthetic catalogue at full size × `--fraction` (105,542
articles / 1,371,980 customers / 31,788,324 purchases at 1.0, the generator's popularity skew),
loaded with `fabric-gql load --bulk`, deterministic 2048-d vectors clustered by department (and
tighter by style) written straight to the products shard as the embed job writes them, then
`fabric-gql copurchase` and `fabric-gql knn`, each timed; then, with a real `fabric-gql serve`,
p50/p95/p99 of seven API queries with 1 and with 8 concurrent clients, each beside its floor: the
bare Cypher round trips its answer needs (the same named queries and parameters the API sends,
independent ones concurrently, dependent ones in order), measured in the same run, interleaved.
Before timing, each query's answer from the API is checked equal to its floor's.

Last: the disk each shard's store folders use, the peak memory (RSS) of each server JVM, the API
server and each step's process, and, below full size, how each figure projects to full size.

It builds in its own data folder (default .data/scale, its own ports), which it wipes on each
run unless `--reuse`; it refuses a folder it did not make. A benchmark, not a test: run it
through `bench/scale` (or `python -m bench.scale` from the repository root).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import psutil

from bench.common import Connections, Run, drive, merge, start_server, wait_ready

if TYPE_CHECKING:
    from cypher.shards import AsyncShards

ROOT = Path(__file__).resolve().parent.parent
FULL_ARTICLES, FULL_CUSTOMERS, FULL_TRANSACTIONS = 105_542, 1_371_980, 31_788_324
MARKER = ".bench-scale"  # marks a data folder this benchmark made, so a rerun may wipe it
MODEL = "synthetic/bench-scale"  # the `model` the vectors are recorded with
VECTOR_BATCH = 200  # rows per embed_write transaction (about 3 MB of floats on the wire)
PAGE = 10_000
FILTERS = (
    "hasImage", "nameContains", "departmentNumber", "productTypeNumber", "indexGroupNumber",
    "colourGroupCode",
)  # fmt: skip
# The app's own job bookkeeping (listing, sweeping stale jobs) runs beside the requests: its
# queries show in /metrics but are not a request's.
BACKGROUND = ("job_", "health")
PROGRESS = re.compile(r"\d+%\||\d [a-z ]*/s[,\]]|it/s")  # a tqdm bar's line
SUMMARY = re.compile(r"^(?:Steps: .*|job \w+: SUCCEEDED.*|Wrote .*)$", re.MULTILINE)
TIMED = re.compile(r"([a-z][a-z ]*?) ([\d.]+) s\b")  # "read 8.2 s", "import transactions 46.3 s"
FIXED = ("stop", "start")  # parts of a step that do not grow with the data
CHECKED = 5  # items per query whose API answer is compared with the floor's before timing


# --- steps, processes and memory --------------------------------------------------------------


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss: int = 0  # bytes, the step's own process tree (0: in this process)
    note: str = ""
    log: Path | None = None
    said: str = ""  # the step's own summary line (where its time went), if it printed one
    start: float = 0.0  # seconds of it a fresh process spends importing (start_cost)


def _hwm(pid: int) -> int:
    """The process's peak RSS so far (VmHWM), bytes; 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else 0


def _rss(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            total += psutil.Process(pid).memory_info().rss
    return total


def _tree(pid: int) -> set[int]:
    try:
        return {pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))}
    except psutil.Error:
        return set()


class Memory:
    """Samples RSS twice a second: the shard JVMs (found through their pid files, so a restart by
    the bulk load is followed), the API server, the running step's process tree and this process;
    keeps each one's peak and the phase it happened in."""

    def __init__(self, shard_pids: Callable[[], dict[str, int]]) -> None:
        self.shard_pids = shard_pids
        self.phase = "start"
        self.watched: dict[str, int] = {"bench process (vectors, clients, floors)": os.getpid()}
        self.peaks: dict[str, tuple[int, str]] = {}
        self.total_peak: tuple[int, str] = (0, "")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def note(self, role: str, rss: int) -> None:
        if rss > self.peaks.get(role, (0, ""))[0]:
            self.peaks[role] = (rss, self.phase)

    def sample(self) -> None:
        """Each pid counts once: a step's tree leaves out the shard JVMs (the bulk load's
        restarted servers are its children) and this process counts only itself."""
        shards = self.shard_pids()
        seen = set(shards.values())
        for role, pid in shards.items():
            self.note(role, max(_rss({pid}), _hwm(pid)))
        for role, pid in list(self.watched.items()):
            pids = {pid} if pid == os.getpid() else _tree(pid) - seen
            self.note(role, _rss(pids))
            seen |= pids
        total = _rss(seen)
        if total > self.total_peak[0]:
            self.total_peak = (total, self.phase)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            with contextlib.suppress(Exception):  # a process ending mid-sample
                self.sample()

    def __enter__(self) -> Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cli(
    memory: Memory, log_dir: Path, name: str, args: Sequence[str], env: dict[str, str] | None = None
) -> Step:
    """`fabric-gql <args>` as a subprocess, its output in log_dir/<name>.log; its peak RSS from
    wait4 (the largest of it and its waited-for children) and from the sampler."""
    log = log_dir / f"{re.sub(r'[^a-z]+', '-', name).strip('-')}.log"
    print(f"\n$ fabric-gql {' '.join(args)}   (output: {log})", flush=True)
    memory.phase = name
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env or os.environ.copy(),
        )
        memory.watched[name] = proc.pid
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            memory.watched.pop(name, None)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    for line in tail(log):
        print(f"  | {line}")
    if proc.returncode != 0:
        raise SystemExit(f"fabric-gql {args[0]} exited {proc.returncode}; see {log}")
    peak = max(usage.ru_maxrss * 1024, memory.peaks.get(name, (0, ""))[0])
    memory.note(name, peak)
    print(f"  {name}: {seconds:.1f} s, peak RSS {gib(peak)}", flush=True)
    found = SUMMARY.findall(log.read_text(errors="replace").replace("\r", "\n"))
    said = next((line for line in found if line.startswith("Steps:")), found[-1] if found else "")
    return Step(name, seconds, peak, log=log, said=said, start=start_cost(args[0]))


def start_cost(command: str) -> float:
    """Seconds a fresh process takes to import what the step runs: the part of its wall time
    that does not grow with the data."""
    module = {"generate": "hm.generate", "load": "ingest.load", "copurchase": "jobs.copurchase"}
    code = f"import cli.main, cypher.shards, {module.get(command, 'jobs.' + command)}"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True)
    return time.perf_counter() - started if done.returncode == 0 else 0.0


def tail(log: Path, lines: int = 10) -> list[str]:
    """The log's last lines as a terminal shows them: carriage returns folded, and of each run
    of progress-bar lines only the last."""
    text = log.read_text(errors="replace").replace("\r\n", "\n")
    shown: list[str] = []
    for line in (part.rsplit("\r", 1)[-1].rstrip() for part in text.split("\n")):
        if not line:
            continue
        if shown and PROGRESS.search(line) and PROGRESS.search(shown[-1]):
            shown[-1] = line
        else:
            shown.append(line)
    return shown[-lines:]


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def disk_used(path: Path) -> int:
    """Bytes allocated on disk under `path` (du, not apparent sizes)."""
    total = 0
    for folder, _, files in os.walk(path):
        for f in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(folder, f)).st_blocks * 512
    return total


# --- building the catalogue ---------------------------------------------------------------------


def prepare_folder(data_dir: Path, reuse: bool, fingerprint: dict[str, Any]) -> bool:
    """Wipes the benchmark's stores unless reusing a matching build; True when reusing."""
    marker = data_dir / MARKER
    if data_dir.exists() and any(data_dir.iterdir()) and not marker.exists():
        raise SystemExit(
            f"{data_dir} holds files this benchmark did not make; pass an empty or new --data-dir"
        )
    if reuse and marker.exists():
        recorded = json.loads(marker.read_text() or "{}")
        if recorded == {**fingerprint, "built": True}:
            return True
        print(f"--reuse: {data_dir} holds {recorded or 'no finished build'}; building afresh")
    data_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(fingerprint))
    subprocess.run([sys.executable, "-m", "cli.main", "neo4j", "stop"], check=True)
    for name in ("neo4j", "hm"):
        shutil.rmtree(data_dir / name, ignore_errors=True)
    return False


def write_vectors(seed: int) -> tuple[int, float]:
    """A deterministic 2048-d vector per product on the products shard, through the embed job's
    own write (`embed_write`: the vector property the index reads, embeddedAt, model): a centre
    per department, plus an offset per style (product code: its colour variants lie close), plus
    noise. Returns (vectors, seconds)."""
    from cypher.shards import Shard, SyncShards
    from embedding.model import DIM
    from fabric_gql.settings import get_settings

    started = time.perf_counter()
    written = 0
    centres: dict[int, np.ndarray] = {}
    style: tuple[str, np.ndarray] = ("", np.zeros(DIM, np.float32))
    with SyncShards(get_settings()) as shards:
        after = ""
        while True:
            page = shards.read(
                Shard.TRANSACTIONS, "products_page", after=after, limit=PAGE,
                **dict.fromkeys(FILTERS),
            )  # fmt: skip
            if not page:
                break
            after = page[-1]["product"]["code"]
            codes = [row["product"]["code"] for row in page]
            found = shards.read(Shard.TRANSACTIONS, "product_department_numbers", codes=codes)
            department = {row["code"]: row["department"] for row in found}
            noise = np.random.default_rng([seed, 8, written]).standard_normal(
                (len(page), DIM), dtype=np.float32
            )
            vectors = np.empty((len(page), DIM), np.float32)
            for i, row in enumerate(page):
                d = department.get(row["product"]["code"], -1)
                if d not in centres:
                    centres[d] = np.random.default_rng([seed, 6, d + 1]).standard_normal(
                        DIM, dtype=np.float32
                    )
                product_code = row["product"]["productCode"] or row["product"]["code"][:7]
                if style[0] != product_code:  # variants are adjacent in code order
                    offset = np.random.default_rng([seed, 7, int(product_code)])
                    style = (product_code, offset.standard_normal(DIM, dtype=np.float32))
                vectors[i] = centres[d] + 0.6 * style[1] + 0.5 * noise[i]
            for start in range(0, len(codes), VECTOR_BATCH):
                rows = [
                    {"code": code, "vector": vector.tolist()}
                    for code, vector in zip(
                        codes[start : start + VECTOR_BATCH],
                        vectors[start : start + VECTOR_BATCH],
                        strict=True,
                    )
                ]
                shards.write(Shard.PRODUCTS, "embed_write", rows=rows, model=MODEL)
            written += len(page)
            print(f"  {written} vectors written", end="\r", flush=True)
    return written, time.perf_counter() - started


def commands() -> str:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "--help"], capture_output=True, text=True, check=True
    ).stdout


def subcommand_help(name: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", name, "--help"], capture_output=True, text=True
    )
    return done.stdout if done.returncode == 0 else ""


def blas_kernel(env: dict[str, str]) -> str:
    code = (
        "import numpy, threadpoolctl; print('; '.join(f\"{i['internal_api']} {i.get('version')}"
        " {i.get('architecture')} x{i['num_threads']}\" for i in threadpoolctl.threadpool_info()))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    return done.stdout.strip() or "unknown"


# --- the queries and their floors ---------------------------------------------------------------

Summary = Any  # what an answer is compared by: codes, counts, names


@dataclass
class Case:
    name: str
    document: str
    pool: list[Any]  # items (codes, numbers, seeds) the requests draw from
    variables: Callable[[Any], dict[str, Any]]
    answer: Callable[[dict[str, Any]], Summary]  # the API's data, summarised
    floor: Callable[[Any], Awaitable[Summary]]  # the same summary from the bare Cypher
    floor_queries: list[str]
    runs: dict[tuple[str, int], Run] = field(default_factory=dict)
    api_queries: list[str] = field(default_factory=list)


PRODUCT = """query P($code: ID!) {
  product(code: $code) { code name department { number name } productType { number name } }
}"""
COUNT = (
    """query C($d: Int!) { products(filter: {departmentNumber: $d}, first: 20) { totalCount } }"""
)
SIMILAR = """query S($code: ID!) {
  product(code: $code) {
    similar(topK: 10%s) { score product { code name productType { name } department { name } } }
  }
}"""
ALSO_BOUGHT = """query A($code: ID!) {
  product(code: $code) { code alsoBought(first: 12) { code name } }
}"""
RANDOM = """query R($seed: Int) { randomProducts(count: 20, seed: $seed) { code name } }"""
DEPARTMENT = """query D($n: Int!) {
  department(number: $n) { number name products(first: 20) { edges { node { code name } } } }
}"""


def cases(
    shards: AsyncShards, codes: list[str], departments: list[int], best: list[str], seed: int
) -> list[Case]:
    """The seven queries, each with its floor through `shards` (an AsyncShards)."""
    from cypher.shards import Shard
    from gql.loaders import SAME_DEPARTMENT_CANDIDATES
    from gql.resolvers.random_products import MODULUS

    t, p = Shard.TRANSACTIONS, Shard.PRODUCTS
    no_filter = dict.fromkeys(FILTERS)

    async def product(code: str) -> Summary:
        found, dept, ptype = await asyncio.gather(
            shards.read(t, "product_by_code", keys=[code]),
            shards.read(t, "product_departments", keys=[code]),
            shards.read(t, "product_product_types", keys=[code]),
        )
        d, pt = dept[0]["value"] if dept else None, ptype[0]["value"] if ptype else None
        return (found[0]["value"]["code"], d and d["number"], pt and pt["number"])

    async def count(number: int) -> Summary:
        params = {**no_filter, "departmentNumber": number}
        return (await shards.read(t, "products_count", **params))[0]["total"]

    def similar(same_department: bool) -> Callable[[str], Awaitable[Summary]]:
        params: dict[str, Any] = {
            "limit": SAME_DEPARTMENT_CANDIDATES if same_department else 10,
            "sameDepartment": same_department,
            "minScore": None,
        }

        async def neighbours(code: str) -> list[dict[str, Any]]:
            first = await shards.read(p, "similar_candidates", codes=[code], **params)
            rows = [r["row"] for r in first]
            return await shards.read(t, "similar_details", rows=rows, **params)

        async def call(code: str) -> Summary:
            _, rows = await asyncio.gather(
                shards.read(t, "product_by_code", keys=[code]), neighbours(code)
            )
            best = sorted((r["row"] for r in rows), key=lambda r: (-r["score"], r["code"]))
            return [r["code"] for r in best[:10]]

        return call

    async def also_bought(code: str) -> Summary:
        _, rows = await asyncio.gather(
            shards.read(t, "product_by_code", keys=[code]),
            shards.read(t, "product_bought_with", keys=[code], first=12),
        )
        return [other["product"]["code"] for other in rows[0]["value"]] if rows else []

    def draw(n: int) -> dict[str, int]:
        r = random.Random(n)
        return {"multiplier": r.randrange(1, MODULUS), "increment": r.randrange(0, MODULUS)}

    async def sample(n: int) -> Summary:
        rows = await shards.read(t, "random_products", count=20, modulus=MODULUS, **draw(n))
        return [row["product"]["code"] for row in rows]

    async def department(number: int) -> Summary:
        found, page = await asyncio.gather(
            shards.read(t, "department_by_number", keys=[number]),
            shards.read(
                t, "products_page", after="", limit=21, **{**no_filter, "departmentNumber": number}
            ),
        )
        return (found[0]["value"]["name"], [row["product"]["code"] for row in page[:20]])

    def codes_of(items: list[dict[str, Any]]) -> list[str]:
        return [item["product"]["code"] for item in items]

    by_code: Callable[[str], dict[str, Any]] = lambda code: {"code": code}  # noqa: E731
    seeds = list(range(seed * 1_000_000, seed * 1_000_000 + 10_000))
    return [
        Case(
            "product (department, type)", PRODUCT, codes, by_code,
            lambda d: (
                d["product"]["code"],
                d["product"]["department"] and d["product"]["department"]["number"],
                d["product"]["productType"] and d["product"]["productType"]["number"],
            ),
            product, ["product_by_code", "product_departments", "product_product_types"],
        ),
        Case(
            "products(dept){totalCount}", COUNT, departments, lambda n: {"d": n},
            lambda d: d["products"]["totalCount"], count, ["products_count"],
        ),
        Case(
            "similar(topK:10)", SIMILAR % "", codes, by_code,
            lambda d: codes_of(d["product"]["similar"]), similar(False),
            ["product_by_code", "similar_candidates > similar_details"],
        ),
        Case(
            "similar(sameDepartment)", SIMILAR % ", sameDepartment: true", codes, by_code,
            lambda d: codes_of(d["product"]["similar"]), similar(True),
            ["product_by_code", "similar_candidates > similar_details"],
        ),
        Case(
            "alsoBought(12) best sellers", ALSO_BOUGHT, best, by_code,
            lambda d: [o["code"] for o in d["product"]["alsoBought"]], also_bought,
            ["product_by_code", "product_bought_with"],
        ),
        Case(
            "randomProducts(20)", RANDOM, seeds, lambda n: {"seed": n},
            lambda d: [o["code"] for o in d["randomProducts"]], sample, ["random_products"],
        ),
        Case(
            "department{products(20)}", DEPARTMENT, departments, lambda n: {"n": n},
            lambda d: (
                d["department"]["name"],
                [e["node"]["code"] for e in d["department"]["products"]["edges"]],
            ),
            department, ["department_by_number", "products_page"],
        ),
    ]  # fmt: skip


def api_call(connections: Connections, case: Case) -> Callable[[Any], Awaitable[Summary]]:
    async def call(item: Any) -> Summary:
        body = await connections.post_json(
            "/graphql", {"query": case.document, "variables": case.variables(item)}
        )
        if body.get("errors"):
            raise SystemExit(f"{case.name}: API error for {item!r}: {body['errors']}")
        return case.answer(body["data"])

    return call


async def sent_queries(port: int) -> dict[str, float]:
    """The API process's count of Cypher sent, by query name (its /metrics)."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        text = (await client.get("/metrics")).text
    counts: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("fabric_gql_cypher_queries_total{"):
            labels, value = line.rsplit(" ", 1)
            name = re.search(r'query="([^"]+)"', labels)
            if name:
                counts[name.group(1)] = counts.get(name.group(1), 0) + float(value)
    return counts


async def measure(
    args: argparse.Namespace, memory: Memory, codes: list[str], departments: list[int],
    best: list[str],
) -> list[Case]:  # fmt: skip
    from cypher.shards import AsyncShards
    from fabric_gql.settings import get_settings

    shards = AsyncShards(get_settings())
    server = start_server(args.api_port)
    memory.watched["API server (serve)"] = server.pid
    draw = random.Random(args.seed)
    try:
        await wait_ready(args.api_port, server)
        all_cases = cases(shards, codes, departments, best, args.seed)
        one = Connections(args.api_port, 1)
        await one.open()
        for case in all_cases:  # the API's answer must be the floor's
            api = api_call(one, case)
            for item in draw.sample(case.pool, min(CHECKED, len(case.pool))):
                before = await sent_queries(args.api_port)
                got, want = await api(item), await case.floor(item)
                after = await sent_queries(args.api_port)
                if got != want:
                    raise SystemExit(f"{case.name} {item!r}: API {got!r} != floor {want!r}")
                case.api_queries = sorted(
                    f"{name} x{after[name] - before.get(name, 0):.0f}"
                    for name in after
                    if after[name] > before.get(name, 0) and not name.startswith(BACKGROUND)
                )
        await one.close()
        for case in all_cases:
            memory.phase = f"queries: {case.name}"
            for clients in (1, args.clients):
                sample = [draw.choice(case.pool) for _ in range(args.requests)]
                warmup = [draw.choice(case.pool) for _ in range(args.warmup)]
                sides: dict[str, list[Run]] = {"floor": [], "api": []}
                for _ in range(args.rounds):  # interleaved: drift touches both alike
                    await drive("warmup", case.floor, warmup, clients)
                    sides["floor"].append(await drive("floor", case.floor, sample, clients))
                    connections = Connections(args.api_port, clients)
                    await connections.open()  # fresh: the server drops idle connections
                    api = api_call(connections, case)
                    await drive("warmup", api, warmup, clients)
                    sides["api"].append(await drive("api", api, sample, clients))
                    await connections.close()
                case.runs[("floor", clients)] = merge(sides["floor"])
                case.runs[("api", clients)] = merge(sides["api"])
                print(f"  {case.name:<30} {clients} client(s): {row(case, clients)}", flush=True)
    finally:
        await shards.close()
        server.terminate()
        server.wait(10)
        memory.watched.pop("API server (serve)", None)
    return all_cases


def row(case: Case, clients: int) -> str:
    floor, api = case.runs[("floor", clients)], case.runs[("api", clients)]
    f, a = floor.quantiles(), api.quantiles()
    rate = len(api.latencies) / api.seconds
    return (
        f"{f[49]:6.1f} {f[94]:6.1f} {f[98]:6.1f}   {a[49]:6.1f} {a[94]:6.1f} {a[98]:6.1f}"
        f"  {rate:7.0f}  {api.p50 / floor.p50:5.2f}"
    )


# --- the report ------------------------------------------------------------------------------


def report_queries(all_cases: list[Case], clients: int) -> None:
    head = "floor p50 p95 p99 (ms)   API p50 p95 p99 (ms)  API req/s  API/floor p50"
    for n in (1, clients):
        print(f"\n{n} concurrent client(s)" + (" — goal: API p95 <= 100 ms" if n == 1 else
              " — goal: API p50 <= 1.5x floor p50"))  # fmt: skip
        print(f"  {'query':<30} {head}   goal")
        for case in all_cases:
            api, floor = case.runs[("api", n)], case.runs[("floor", n)]
            ok = api.quantiles()[94] <= 100 if n == 1 else api.p50 / floor.p50 <= 1.5
            print(f"  {case.name:<30} {row(case, n)}   {'ok' if ok else 'MISSED'}")
    print("\nNamed queries per request — the floor sends (concurrently; > in order):")
    for case in all_cases:
        print(f"  {case.name:<30} floor: {', '.join(case.floor_queries)}")
        print(f"  {'':<30} API:   {', '.join(case.api_queries) or '?'}")


@dataclass(frozen=True)
class Disk:
    store: int  # data/databases/<db>: the graph itself
    logs: int  # data/transactions/<db>: transaction logs (preallocated, rotated)
    whole: int  # the shard's folder: also the system database and the server's logs


def report_disk(settings: Any, when: str) -> dict[str, Disk]:
    used: dict[str, Disk] = {}
    print(f"\nDisk used per shard, {when} (du of {settings.neo4j_dir}/<shard>):")
    for shard, database in (
        ("products", settings.products_database),
        ("transactions", settings.transactions_database),
    ):
        home = settings.neo4j_dir / shard
        used[shard] = d = Disk(
            disk_used(home / "data" / "databases" / database),
            disk_used(home / "data" / "transactions" / database),
            disk_used(home),
        )
        print(
            f"  {shard:<13} store {gib(d.store):>10}   transaction logs {gib(d.logs):>10}"
            f"   whole folder {gib(d.whole):>10}"
        )
    return used


def split(step: Step) -> tuple[float, float, float]:
    """(linear, quadratic, fixed) seconds of a step. Fixed: its process's start (imports,
    measured apart) and the parts its summary line names stop or start; quadratic: an exact
    knn's compute as the summary gives it; linear: the rest (reads, writes, imports of rows)."""
    quadratic = 0.0
    knn = re.search(r"by (\w+)(?: \([^)]*\))? in ([\d.]+) s", step.said)
    if knn and knn.group(1) == "EXACT":
        quadratic = float(knn.group(2))
    parts = [(label.strip(), float(seconds)) for label, seconds in TIMED.findall(step.said)]
    fixed = step.start + sum(s for label, s in parts if label in FIXED)
    fixed = min(fixed, step.seconds - quadratic)
    return step.seconds - quadratic - fixed, quadratic, fixed


def project(step: Step, f: float) -> float:
    linear, quadratic, fixed = split(step)
    return linear / f + quadratic / f**2 + fixed


def how(step: Step) -> str:
    linear, quadratic, fixed = split(step)
    text = f"{linear:.1f} s linear in rows"
    if quadratic:
        text += f", {quadratic:.1f} s exact KNN (quadratic in articles)"
    if fixed:
        text += f", {fixed:.1f} s fixed (process start and imports; server stop/start)"
    if step.name == "copurchase":
        text += (
            "; purchases per customer do not change with the fraction, so neither do the pairs "
            "per customer, but each product's candidate list grows: a lower bound"
        )
    return text


def report_projection(
    f: float, steps: list[Step], disk: dict[str, Disk], knn_method: str, settings: Any
) -> None:
    print(f"\nProjection to full size (fraction {f:g}; every row count is x{1 / f:.1f} there):")
    for step in steps:
        if step.name == "neo4j start":
            continue
        print(
            f"  {step.name:<14} {step.seconds:8.1f} s -> ~{project(step, f):8.0f} s   {how(step)}"
        )
    if any(step.name == "knn" for step in steps):
        print(
            f"  (knn ran --method {knn_method}; AUTO picks its method by catalogue size, so at "
            "full size bench/knn's figures at 105,542 vectors are the better projection)"
        )
    for shard, d in disk.items():
        full = d.store / f + (d.whole - d.store)
        print(
            f"  disk {shard:<13} {gib(d.whole):>10} -> ~{gib(full):>10}   the store linear in "
            f"rows ({gib(d.store)} -> {gib(d.store / f)}); transaction logs, the system database"
            " and logs stay about as they are"
        )
    print(
        f"  memory: each JVM is bounded by its heap ({settings.neo4j_heap}) + page cache "
        f"({settings.neo4j_pagecache}) + native overhead, not by the data; the API server does "
        "not grow with the catalogue; the knn step holds the vectors (105,542 x 2048 x 4 B = "
        "0.86 GB at full size, linear) plus its blocks; copurchase's matrices grow with purchases."
    )
    print(
        "  latencies do not scale by the fraction: product, similar and alsoBought are index "
        "lookups plus one hop (flat in catalogue size while the store's hot part fits the page "
        "cache); totalCount and department{products} visit one department's products "
        f"(x{1 / f:.0f} rows each at full size); randomProducts sorts every product "
        f"(x{1 / f:.0f}, n log n). Full-size latencies need a full-size run."
    )


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="bench/scale",
        description="The H&M size end to end: build, API latency against its floor, disk, memory.",
    )
    parser.add_argument("--fraction", type=float, default=1.0, help="of the real H&M size")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data" / "scale")
    parser.add_argument("--products-port", type=int, default=7747)
    parser.add_argument("--transactions-port", type=int, default=7748)
    parser.add_argument("--api-port", type=int, default=8747)
    parser.add_argument("--heap", help="each shard's JVM heap (default FABRIC_GQL_NEO4J_HEAP)")
    parser.add_argument("--pagecache", help="each shard's page cache (FABRIC_GQL_NEO4J_PAGECACHE)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--api-workers", type=int, default=1, help="API processes (serve --workers)"
    )
    parser.add_argument("--requests", type=int, default=200, help="per round, side, clients")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--best-sellers", type=int, default=100)
    parser.add_argument("--top-n", type=int, default=50, help="copurchase edges per product")
    parser.add_argument("--knn-method", default="AUTO", help="falls back to EXACT without AUTO")
    parser.add_argument(
        "--keep-openblas-env", action="store_true",
        help="leave OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE set for the knn and copurchase steps",
    )  # fmt: skip
    parser.add_argument(
        "--reuse", action="store_true",
        help="skip the build when the data folder holds one of the same fraction and seed",
    )  # fmt: skip
    args = parser.parse_args()
    if not 0 < args.fraction <= 1:
        raise SystemExit("--fraction must be in (0, 1]")

    # The benchmark's own shards: every subprocess (the CLI steps, serve) inherits these.
    data_dir = args.data_dir.resolve()
    os.environ["FABRIC_GQL_DATA_DIR"] = str(data_dir)
    os.environ["FABRIC_GQL_PRODUCTS_PORT"] = str(args.products_port)
    os.environ["FABRIC_GQL_TRANSACTIONS_PORT"] = str(args.transactions_port)
    if args.heap:
        os.environ["FABRIC_GQL_NEO4J_HEAP"] = args.heap
    if args.pagecache:
        os.environ["FABRIC_GQL_NEO4J_PAGECACHE"] = args.pagecache
    os.environ.pop("FABRIC_GQL_PRODUCTS_URI", None)
    os.environ.pop("FABRIC_GQL_TRANSACTIONS_URI", None)
    os.environ["FABRIC_GQL_HTTP_WORKERS"] = str(args.api_workers)

    from fabric_gql.settings import get_settings
    from neo4j_local import server
    from neo4j_local.process import running_pid

    settings = get_settings()
    f = args.fraction
    articles = max(1, round(FULL_ARTICLES * f))
    customers = max(1, round(FULL_CUSTOMERS * f))
    transactions = round(FULL_TRANSACTIONS * f)
    print(
        f"bench/scale: fraction {f:g} of the H&M size: {articles:,} articles, {customers:,} "
        f"customers, {transactions:,} purchases (seed {args.seed}); data {data_dir}, shards on "
        f"{args.products_port}/{args.transactions_port} (heap {settings.neo4j_heap}, page cache "
        f"{settings.neo4j_pagecache} each), API on {args.api_port} ({args.api_workers} "
        f"process(es)); {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    fingerprint = {"fraction": f, "seed": args.seed}
    reused = prepare_folder(data_dir, args.reuse, fingerprint)
    log_dir = data_dir / "logs"
    log_dir.mkdir(exist_ok=True)

    def shard_pids() -> dict[str, int]:
        pids = {}
        for shard in server.shards(settings):
            pid = running_pid(shard)
            if pid is not None:
                pids[f"{shard.name} shard JVM"] = pid
        return pids

    help_text = commands()
    knn_help = subcommand_help("knn")
    method = args.knn_method if args.knn_method in knn_help else "EXACT"
    blas_env = os.environ.copy()
    if not args.keep_openblas_env:  # this machine's settings slow numpy's matmul (issue 9)
        blas_env.pop("OPENBLAS_CORETYPE", None)
        blas_env.pop("OPENBLAS_L2_SIZE", None)
    steps: list[Step] = []
    disk_after_load: dict[str, Disk] = {}
    with Memory(shard_pids) as memory:
        try:
            memory.phase = "neo4j start"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cli.main", "neo4j", "start"], check=True)
            steps.append(Step("neo4j start", time.perf_counter() - started))
            dataset = data_dir / "hm"
            if reused:
                print("--reuse: the catalogue, vectors and both jobs are from an earlier run")
            else:
                steps.append(cli(memory, log_dir, "generate", [
                    "generate", str(dataset), "--articles", str(articles), "--customers",
                    str(customers), "--transactions", str(transactions), "--seed",
                    str(args.seed), "--no-images",
                ]))  # fmt: skip
                csv_bytes = sum(p.stat().st_size for p in dataset.glob("*.csv"))
                steps[-1].note = f"{gib(csv_bytes)} of CSV"
                load_help = subcommand_help("load")
                bulk = "--bulk" in load_help
                if not bulk:
                    print("\n(no `fabric-gql load --bulk` yet: the incremental load runs)")
                load_args = ["load", *(["--bulk"] if bulk else [])]
                if "--no-copurchase" in load_help:  # timed as its own step below
                    load_args.append("--no-copurchase")
                load_args.append(str(dataset))
                steps.append(cli(memory, log_dir, "load --bulk" if bulk else "load", load_args))
                load_log = steps[-1].log
                if load_log:  # the loader's own account of where its time went
                    said = load_log.read_text(errors="replace")
                    found = re.search(r"^Steps: .*$", said, re.MULTILINE)
                    steps[-1].note = found.group(0) if found else ""
                    if "recompute_copurchases" in said:
                        steps[-1].note += " (includes the load's own co-purchase run)"
                disk_after_load = report_disk(settings, "after the load")

                memory.phase = "vectors"
                print(f"\nwriting synthetic vectors ({VECTOR_BATCH} a transaction) ...", flush=True)
                n, seconds = write_vectors(args.seed)
                steps.append(Step("vectors", seconds, note=f"{n / seconds:.0f} vectors/s"))
                print(f"  vectors: {n:,} in {seconds:.1f} s ({n / seconds:.0f}/s)")

                if "copurchase" in help_text:
                    steps.append(cli(
                        memory, log_dir, "copurchase", ["copurchase", "--top-n", str(args.top_n)],
                        blas_env,
                    ))  # fmt: skip
                else:
                    print("\n(`fabric-gql copurchase` is not there yet: skipped)")
                print(f"\nBLAS for knn/copurchase: {blas_kernel(blas_env)}")
                steps.append(cli(
                    memory, log_dir, "knn", ["knn", "--method", method, "--top-k", "10"], blas_env
                ))  # fmt: skip
                steps[-1].note = f"--method {method}"
                marker = data_dir / MARKER
                marker.write_text(json.dumps({**fingerprint, "built": True}))

            codes, departments, best, sellers = catalogue_facts(args.best_sellers)
            print(
                f"\ncatalogue: {len(codes):,} products, {len(departments)} departments; best "
                f"sellers' purchases: {', '.join(f'{n:,}' for n in sellers[:5])} (top 5), "
                f"{sellers[-1]:,} (#{len(sellers)})"
            )
            print(f"\nAPI queries ({args.requests} requests x {args.rounds} rounds per side):")
            print(f"  {'':<44} floor p50 p95 p99        API p50 p95 p99   req/s  ratio")
            memory.phase = "queries"
            load_before = os.getloadavg()
            all_cases = run_async(measure(args, memory, codes, departments, best))
            load_after = os.getloadavg()
            memory.sample()
        finally:
            memory.phase = "neo4j stop"
            subprocess.run([sys.executable, "-m", "cli.main", "neo4j", "stop"], check=False)

    print("\n=== bench/scale summary ===")
    print(
        f"fraction {f:g}: {articles:,} articles, {customers:,} customers, {transactions:,} "
        f"purchases; {os.cpu_count()} CPUs (shared); event loop "
        f"{'uvloop' if importlib.util.find_spec('uvloop') else 'asyncio'}"
    )
    print("\nSteps:")
    for step in steps:
        peak = f"peak RSS {gib(step.peak_rss)}" if step.peak_rss else ""
        print(f"  {step.name:<14} {step.seconds:8.1f} s   {peak:<22} {step.note}")
    print(
        f"load average (1, 5, 15 min; all users of the machine) before the queries "
        f"{', '.join(f'{x:.1f}' for x in load_before)}, after "
        f"{', '.join(f'{x:.1f}' for x in load_after)}"
    )
    report_queries(all_cases, args.clients)
    disk = report_disk(settings, "at the end (vectors, SIMILAR and BOUGHT_WITH edges written)")
    if disk_after_load:
        print(
            "  (after the load: "
            + ", ".join(f"{s} {gib(d.whole)}" for s, d in disk_after_load.items())
            + ")"
        )
    print("\nPeak memory (RSS; JVMs also by VmHWM), and the phase it was reached in:")
    for role, (rss, phase) in sorted(memory.peaks.items(), key=lambda kv: -kv[1][0]):
        print(f"  {role:<42} {gib(rss):>10}   ({phase})")
    print(f"  {'all of them at once (sampled)':<42} {gib(memory.total_peak[0]):>10}   "
          f"({memory.total_peak[1]})")  # fmt: skip
    if f < 1:
        report_projection(f, steps, disk, method, settings)
    return 0


def catalogue_facts(best_sellers: int) -> tuple[list[str], list[int], list[str], list[int]]:
    """Every product code, every department number, the best sellers and their purchases."""
    from cypher.shards import Shard, SyncShards
    from fabric_gql.settings import get_settings

    with SyncShards(get_settings()) as shards:
        codes: list[str] = []
        after = ""
        while page := shards.read(
            Shard.TRANSACTIONS, "products_page", after=after, limit=PAGE, **dict.fromkeys(FILTERS)
        ):
            codes += [row["product"]["code"] for row in page]
            after = codes[-1]
        found = shards.read(Shard.TRANSACTIONS, "departments")
        departments = sorted(row["department"]["number"] for row in found)
        counts: list[tuple[int, str]] = []
        for start in range(0, len(codes), PAGE):
            rows = shards.read(
                Shard.TRANSACTIONS, "product_purchase_counts", keys=codes[start : start + PAGE]
            )
            counts += [(row["value"], row["key"]) for row in rows]
    counts.sort(key=lambda c: (-c[0], c[1]))
    top = counts[:best_sellers]
    return codes, departments, [code for _, code in top], [n for n, _ in top]


def run_async(work: Coroutine[Any, Any, list[Case]]) -> list[Case]:
    if importlib.util.find_spec("uvloop"):
        import uvloop  # as bench/api: the server picks it too (uvicorn's loop="auto")

        uvloop.install()
    return asyncio.run(work)


if __name__ == "__main__":
    sys.exit(main())
