"""Load: a steady query mix through the API on loopback (locust, a fixed number of users, for a
fixed time), once as it is and once with `recomputeSimilarities` started through the API half-way
through, in the same run; per query and overall: requests/s, p50/p95/p99 and errors, then the
job's final status.

The mix: a product with its department and type, a products page, similarProducts(topK: 10),
randomProducts, a department's products. The catalogue is generated and loaded if the shards are
empty, with synthetic vectors (clustered, as wide as the embeddings) and a first recompute, so
similar lists are full and the recompute under load redoes real work.

locust patches the standard library with gevent when imported, so the users run in their own
process (this file with `--drive URL`), apart from the preparation's driver and the API server.
Run through `bench/load` (dedicated shards); `--help` lists the knobs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIMILAR_K = 10
DOCUMENTS = {
    "product": """query Product($code: ID!) {
      product(code: $code) { code name department { name } productType { name } }
    }""",
    "productsPage": """query Page($after: String) {
      products(first: 20, after: $after) {
        edges { node { code name } } pageInfo { endCursor hasNextPage }
      }
    }""",
    "similarProducts": """query Similar($code: ID!) {
      similarProducts(code: $code, topK: 10) { score product { code name } }
    }""",
    "randomProducts": """query Random($seed: Int) {
      randomProducts(count: 10, seed: $seed) { code name }
    }""",
    "departmentProducts": """query Department($number: Int!) {
      department(number: $number) { name products(first: 20) { edges { node { code } } } }
    }""",
}
SAMPLE = """query Sample($seed: Int) { randomProducts(count: 100, seed: $seed) { code } }"""
RECOMPUTE = """mutation { recomputeSimilarities(topK: 10, method: EXACT) { id status } }"""
JOB = """query Job($id: ID!) { job(id: $id) { status processed total error summary } }"""


# --- preparation and the API server (plain process) -------------------------------------------


def prepare(articles: int, seed: int) -> None:
    """A generated catalogue when the shards are empty; synthetic vectors where none are; a first
    recompute when there are no SIMILAR edges."""
    import numpy as np

    from cypher import loader
    from cypher.shards import Shard, SyncShards
    from embedding.model import DIM
    from fabric_gql.settings import get_settings
    from ingest.load import load_dataset
    from jobs import knn
    from jobs.runner import run_in_foreground

    loader.include(Path(__file__).resolve().parent / "cypher")  # bench_store_vectors
    with SyncShards(get_settings()) as shards:
        if shards.read(Shard.PRODUCTS, "counts_products")[0]["products"] == 0:
            from hm.generate import generate

            with tempfile.TemporaryDirectory() as tmp:
                print(f"loading a generated catalogue of {articles} articles ...", flush=True)
                generate(
                    Path(tmp), articles=articles, customers=articles,
                    transactions=articles * 10, seed=seed, images=False,
                )  # fmt: skip
                load_dataset(shards, Path(tmp))
        counts = shards.read(Shard.PRODUCTS, "counts_products")[0]
        if counts["embedded"] == 0:
            filters = ["hasImage", "nameContains", "departmentNumber", "productTypeNumber"]
            filters += ["indexGroupNumber", "colourGroupCode"]
            page = shards.read(
                Shard.TRANSACTIONS, "products_page", after="", limit=10**9,
                **dict.fromkeys(filters),
            )  # fmt: skip
            codes = [row["product"]["code"] for row in page]
            print(f"writing synthetic vectors for {len(codes)} products ...", flush=True)
            rng = np.random.default_rng(seed)
            centres = rng.standard_normal((50, DIM), dtype=np.float32)
            for start in range(0, len(codes), 200):
                chunk = codes[start : start + 200]
                vectors = centres[rng.integers(0, len(centres), len(chunk))]
                vectors = vectors + 0.6 * rng.standard_normal(vectors.shape, dtype=np.float32)
                rows = [
                    {"code": code, "vector": vector.astype(np.float64).tolist()}
                    for code, vector in zip(chunk, vectors, strict=True)
                ]
                shards.write(Shard.PRODUCTS, "bench_store_vectors", rows=rows)
        if counts["similar"] == 0:
            print("a first recompute, so similar lists are full ...", flush=True)
            params = {"topK": SIMILAR_K, "similarityCutoff": -1.0, "method": "EXACT"}
            record = run_in_foreground(shards, knn.KIND, params, knn.knn_work())
            if record["status"] != "SUCCEEDED":
                raise SystemExit(f"the first recompute ended {record['status']}: {record}")


def start_server(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "cli.main", "serve", "--port", str(port)]
    return subprocess.Popen([*command, "--log-level", "warning"], env=os.environ.copy())


def wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the API server exited")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API server did not become healthy")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8, help="concurrent users, each a loop")
    parser.add_argument("--seconds", type=float, default=60, help="per phase")
    parser.add_argument("--recompute-at", type=float, default=30, help="seconds into phase 2")
    parser.add_argument("--articles", type=int, default=3000, help="if the shards are empty")
    parser.add_argument("--port", type=int, default=8788)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drive", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        return drive(args)
    prepare(args.articles, args.seed)
    server = start_server(args.port)
    try:
        wait_ready(args.port, server)
        command = [sys.executable, "-P", __file__, "--drive", f"http://127.0.0.1:{args.port}"]
        knobs = ["--users", str(args.users), "--seconds", str(args.seconds)]
        knobs += ["--recompute-at", str(args.recompute_at), "--seed", str(args.seed)]
        return subprocess.run([*command, *knobs], check=False).returncode
    finally:
        server.terminate()
        server.wait(30)


# --- the users (a process of its own: locust's gevent) -----------------------------------------


class Phase:
    """Every request of one phase: exact latencies per query, and failures with their reason."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: dict[str, list[float]] = {query: [] for query in DOCUMENTS}
        self.failures: list[str] = []
        self.seconds = 0.0

    def line(self, name: str, ms: list[float]) -> str:
        if len(ms) < 2:
            return f"  {name:<20} {len(ms)} requests"
        q = statistics.quantiles(ms, n=100, method="inclusive")
        return (
            f"  {name:<20} {len(ms) / self.seconds:7.1f} req/s   p50 {q[49]:7.1f} ms"
            f"   p95 {q[94]:7.1f} ms   p99 {q[98]:7.1f} ms   ({len(ms)} requests)"
        )

    @property
    def overall(self) -> list[float]:
        return [x for xs in self.latencies.values() for x in xs]

    def report(self) -> None:
        print(f"\n{self.name}: {self.seconds:.0f} s, {len(self.failures)} errors")
        for query, ms in self.latencies.items():
            print(self.line(query, ms))
        print(self.line("overall", self.overall))
        for failure in self.failures[:5]:
            print(f"  error: {failure}")


def drive(args: argparse.Namespace) -> int:
    import gevent
    import httpx
    from locust import FastHttpUser, constant, events, task
    from locust.env import Environment

    url: str = args.drive

    def post(document: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{url}/graphql", json={"query": document, "variables": variables}, timeout=60
        )
        body: dict[str, Any] = response.json()
        if response.status_code != 200 or "errors" in body:
            raise SystemExit(f"{response.status_code}: {body}")
        return body

    # What the users ask for, from the API itself.
    draw = random.Random(args.seed)
    samples = [post(SAMPLE, seed=seed)["data"]["randomProducts"] for seed in range(5)]
    codes = sorted({p["code"] for sample in samples for p in sample})
    departments = [d["number"] for d in post("{ departments { number } }")["data"]["departments"]]
    cursors: list[str | None] = [None]
    for _ in range(20):
        page = post(DOCUMENTS["productsPage"], after=cursors[-1])["data"]["products"]
        cursors.append(page["pageInfo"]["endCursor"])

    phase = Phase("")

    class Mix(FastHttpUser):
        wait_time = constant(0)  # a closed loop: each user sends its next query at once

        def ask(self, name: str, **variables: Any) -> None:
            payload = json.dumps({"query": DOCUMENTS[name], "variables": variables})
            with self.client.post(
                "/graphql", data=payload, headers={"Content-Type": "application/json"},
                name=name, catch_response=True,
            ) as response:  # fmt: skip
                body = response.json() if response.status_code == 200 else {}
                if response.status_code != 200 or "errors" in body or not body.get("data"):
                    response.failure(f"{response.status_code} {response.text[:300]}")

        @task
        def product(self) -> None:
            self.ask("product", code=draw.choice(codes))

        @task
        def products_page(self) -> None:
            self.ask("productsPage", after=draw.choice(cursors))

        @task
        def similar(self) -> None:
            self.ask("similarProducts", code=draw.choice(codes))

        @task
        def random_products(self) -> None:
            self.ask("randomProducts", seed=draw.randrange(1 << 30))

        @task
        def department_products(self) -> None:
            self.ask("departmentProducts", number=draw.choice(departments))

    def on_request(name: str, response_time: float, exception: Any, **_: Any) -> None:
        if exception is not None:
            phase.failures.append(f"{name}: {exception}")
        else:
            phase.latencies[name].append(response_time)

    events.request.add_listener(on_request)  # type: ignore[no-untyped-call]  # locust: untyped

    def run(name: str, during: Any = None) -> Phase:
        nonlocal phase
        phase = Phase(name)
        env = Environment(user_classes=[Mix], host=url, events=events)
        runner = env.create_local_runner()
        started = time.monotonic()
        runner.start(args.users, spawn_rate=args.users)
        helper = gevent.spawn(during) if during else None
        gevent.sleep(args.seconds)
        runner.quit()
        phase.seconds = time.monotonic() - started
        if helper is not None:
            helper.join(timeout=600)  # the job's final status, if it outlasts the phase
        return phase

    job: dict[str, Any] = {}

    def recompute() -> None:
        gevent.sleep(args.recompute_at)
        started = time.monotonic()
        job.update(post(RECOMPUTE)["data"]["recomputeSimilarities"])
        while job["status"] in ("QUEUED", "RUNNING"):
            gevent.sleep(0.5)
            job.update(post(JOB, id=job["id"])["data"]["job"])
            job["seconds"] = time.monotonic() - started

    print(
        f"{args.users} users, closed loop, {args.seconds:.0f} s a phase; {len(codes)} codes,"
        f" {len(departments)} departments, {len(cursors)} page cursors",
        flush=True,
    )
    steady = run("steady mix (reference)")
    loaded = run(f"steady mix, recomputeSimilarities from {args.recompute_at:.0f} s", recompute)
    for p in (steady, loaded):
        p.report()
    # The recompute's own figure: the mix while it ran, against the reference.
    ref, under = steady.overall, loaded.overall
    qs = [statistics.quantiles(xs, n=100, method="inclusive") for xs in (ref, under)]
    rates = [len(xs) / p.seconds for xs, p in ((ref, steady), (under, loaded))]
    print(
        f"\nwith recompute / reference: rate {rates[1] / rates[0]:.2f}, p50"
        f" {qs[1][49] / qs[0][49]:.2f}, p95 {qs[1][94] / qs[0][94]:.2f},"
        f" p99 {qs[1][98] / qs[0][98]:.2f}"
    )
    print(
        f"recompute job {job.get('id')}: {job.get('status')} after {job.get('seconds', 0):.1f} s"
        f" ({job.get('processed')}/{job.get('total')}; {job.get('summary') or job.get('error')})"
    )
    errors = len(steady.failures) + len(loaded.failures)
    finished = job.get("status") == "SUCCEEDED"
    return 0 if errors == 0 and finished else 1


if __name__ == "__main__":
    sys.exit(main())
