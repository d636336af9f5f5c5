"""`fabric-gql evaluate DIR`: the challenge's offline measure, through the API.

1. Split DIR's transactions at the last `holdout_days` days (evaluation.split) and write the
   training part as an H&M-layout folder under `data_dir/evaluation/`.
2. Load that folder into the shards. The transactions shard must hold nothing dated on or after
   the split (co-purchase would learn from the holdout otherwise): an empty shard, or one loaded
   by an earlier run with the same split, is loaded (the load is idempotent); one that holds later
   purchases is refused unless `reset` is set, which empties the transactions shard first. The
   products shard (embeddings, similarities) does not depend on purchases and is kept.
3. Recompute co-purchases from the training part; embed the images without a vector and
   recompute the similarity graph when anything is missing from it.
4. Start a real `fabric-gql serve` on a free loopback port and ask it over HTTP, for each sampled
   customer with a holdout purchase and each strategy, `customer(id) { recommendations(first: 12,
   strategy, asOf: <split date>) }` — asOf also keeps the API's own reads before the split.
5. Score: MAP@12, recall@12, coverage and the mean request time per customer, per strategy.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np

from cypher.shards import Shard, SyncShards
from evaluation import metrics
from evaluation.split import Split, split_dataset
from fabric_gql.settings import Settings
from hm import reader

if TYPE_CHECKING:
    from jobs.runner import Work

Log = Callable[[str], None]

STRATEGIES = ("BLEND", "POPULAR", "REPURCHASE_POPULAR", "COPURCHASE", "VISUAL")
K = 12
# Public figures on the real data (the H&M Personalized Fashion Recommendations challenge,
# private leaderboard, MAP@12 over all customers with a purchase in 2020-09-23..29).
REFERENCES = (
    ("the challenge's winning solution", 0.036),
    ("co-purchase + popularity heuristics", 0.021),
)
QUERY = """
query Evaluate($id: ID!, $strategy: RecommendationStrategy!, $asOf: Date!) {
  customer(id: $id) {
    recommendations(first: 12, strategy: $strategy, asOf: $asOf) { product { code } }
  }
}
"""
SERVE_START_S = 180.0


class EvaluationError(Exception):
    """The evaluation cannot run (the shards hold the holdout, a job failed, serve did not
    start); the message says what to do."""


@dataclass
class MethodResult:
    strategy: str
    map_at_k: float
    recall_at_k: float
    coverage: float
    ms_per_customer: float
    errors: int


@dataclass
class Report:
    root: Path
    split: Split
    customers: int  # evaluated
    seed: int
    catalogue: int
    results: list[MethodResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        s = self.split
        scored = len(s.holdout)
        lines = [
            f"Evaluation of {self.root}: split at {s.split_date} (holdout "
            f"{s.split_date}..{s.last_date}: {s.holdout_rows:,} purchases by {scored:,} "
            f"customers; training {s.training_rows:,} purchases before it).",
            f"{self.customers:,} customers with a holdout purchase scored (seed {self.seed}); "
            f"catalogue {self.catalogue:,} articles.",
            *self.notes,
            "",
            f"{'method':<20} {'MAP@12':>8} {'recall@12':>10} {'coverage':>9} "
            f"{'ms/customer':>12} {'errors':>7}",
        ]
        for r in self.results:
            lines.append(
                f"{r.strategy:<20} {r.map_at_k:>8.4f} {r.recall_at_k:>10.4f} {r.coverage:>9.4f} "
                f"{r.ms_per_customer:>12.1f} {r.errors:>7}"
            )
        lines.append("")
        lines.append("Public references on the real H&M data (MAP@12, all customers):")
        lines.extend(f"  {name:<38} about {value:.3f}" for name, value in REFERENCES)
        return "\n".join(lines)


def prepare_shards(
    shards: SyncShards, root: Path, training: Path, split: Split, *, reset: bool,
    batch_size: int = 10_000, log: Log = print,
) -> None:  # fmt: skip
    """Leaves the shards holding DIR's catalogue and the training purchases, nothing else."""
    from ingest.load import load_dataset

    catalogue = {a["article_id"] for a in reader.read_articles(root)}
    codes = {s: {r["code"] for r in shards.read(s, "product_codes")} for s in Shard}
    newest = shards.read(Shard.TRANSACTIONS, "copurchase_newest")[0]["newest"]
    newest = newest.to_native() if newest is not None else None
    problems = []
    if newest is not None and newest >= split.split_date:
        problems.append(
            f"the transactions shard holds purchases up to {newest}, on or after the split date "
            f"{split.split_date} (co-purchases would be learned from the holdout)"
        )
    foreign = (codes[Shard.PRODUCTS] | codes[Shard.TRANSACTIONS]) - catalogue
    if foreign:
        problems.append(f"the shards hold {len(foreign):,} products that {root} does not list")
    if problems and not reset:
        raise EvaluationError(
            "; ".join(problems) + ". Run with --reset to empty the transactions shard (and the "
            "products shard if it holds other products) and load the training part"
        )
    if reset:
        log("emptying the transactions shard")
        shards.autocommit(Shard.TRANSACTIONS, "reset")
        if codes[Shard.PRODUCTS] - catalogue:
            log("emptying the products shard (it holds products of another catalogue)")
            shards.autocommit(Shard.PRODUCTS, "reset")
        else:  # embeddings and similarities of this catalogue's images do not depend on purchases
            log("keeping the products shard (this catalogue's embeddings and similarities)")
    started = time.perf_counter()
    report = load_dataset(shards, training, batch_size=batch_size)
    log(
        f"loaded the training part in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{n:,} {name}" for name, n in report.rows.items())
    )
    held = report.counts["transactions"]["purchases"]
    if held > split.training_rows:  # fewer: the loader skipped bad rows
        raise EvaluationError(
            f"the transactions shard holds {held:,} purchases, the training part "
            f"{split.training_rows:,}: it holds other purchases too; run with --reset"
        )


def _job(shards: SyncShards, kind: str, params: dict[str, Any], work: Work) -> dict[str, Any]:
    from jobs.runner import run_in_foreground

    record = run_in_foreground(shards, kind, params, work)
    if record["status"] != "SUCCEEDED":
        raise EvaluationError(f"the {kind} job ended {record['status']}: {record.get('error')}")
    return dict(record)


def prepare_signals(shards: SyncShards, settings: Settings, log: Log = print) -> None:
    from jobs import copurchase, embed, knn

    record = _job(shards, copurchase.KIND, {"topN": copurchase.TOP_N},
                  copurchase.copurchase_work())  # fmt: skip
    log(f"co-purchases: {record.get('summary')}")
    counts = shards.read(Shard.PRODUCTS, "counts_products")[0]
    embedded = 0
    if counts["embedded"] < counts["productsWithImage"]:
        record = _job(shards, embed.KIND, {"codes": None, "onlyMissing": True},
                      embed.embed_work(settings))  # fmt: skip
        embedded = int(record.get("processed") or 0)
        log(f"embeddings: {record.get('summary')}")
        counts = shards.read(Shard.PRODUCTS, "counts_products")[0]
    state = shards.read(Shard.PRODUCTS, "similarity_state")[0]
    if embedded or state["version"] == 0 or state["products"] != counts["embedded"]:
        record = _job(shards, knn.KIND, {"topK": 10}, knn.knn_work())
        log(f"similarities: {record.get('summary')}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """`fabric-gql serve` in a child process on a free loopback port, for the duration."""

    def __init__(self, root: Path, log_path: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, FABRIC_GQL_DATASET_DIR=str(root))
        self.log_path = log_path
        with log_path.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "warning"],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait(self) -> None:
        deadline = time.monotonic() + SERVE_START_S
        while True:
            if self.process.poll() is not None:
                raise EvaluationError(
                    f"serve exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise EvaluationError(
                    f"serve did not answer in {SERVE_START_S:.0f} s; see {self.log_path}"
                )
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


async def ask(
    url: str, customers: list[str], strategy: str, as_of: str, concurrency: int
) -> tuple[dict[str, list[str]], float, int]:
    """Each customer's recommended codes, the mean seconds per request, and the errors."""
    predicted: dict[str, list[str]] = {}
    seconds: list[float] = []
    errors = 0
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def one(customer: str) -> None:
            nonlocal errors
            async with gate:
                started = time.perf_counter()
                response = await client.post(
                    "/graphql",
                    json={"query": QUERY,
                          "variables": {"id": customer, "strategy": strategy, "asOf": as_of}},
                )  # fmt: skip
                seconds.append(time.perf_counter() - started)
            body = (
                response.json()
                if response.headers.get("content-type", "").startswith("application/json")
                else {}
            )
            data = (body.get("data") or {}).get("customer")
            if body.get("errors") or response.status_code != 200:
                errors += 1
            recs = (data or {}).get("recommendations") or []
            predicted[customer] = [r["product"]["code"] for r in recs]

        if customers:  # the first request of a kind compiles its Cypher plans: not timed
            await client.post("/graphql", json={"query": QUERY, "variables": {
                "id": customers[0], "strategy": strategy, "asOf": as_of}})  # fmt: skip
        await asyncio.gather(*(one(c) for c in customers))
    return predicted, float(np.mean(seconds)) if seconds else 0.0, errors


def sample_customers(split: Split, n: int | None, seed: int) -> list[str]:
    everyone = sorted(split.holdout)
    if n is None or n >= len(everyone):
        return everyone
    rng = np.random.default_rng(seed)
    return sorted(everyone[i] for i in rng.choice(len(everyone), n, replace=False))


def evaluate(
    settings: Settings, root: Path, *, holdout_days: int = 7, customers: int | None = 1000,
    seed: int = 0, reset: bool = False, strategies: tuple[str, ...] = STRATEGIES,
    concurrency: int = 4, log: Log = print,
) -> Report:  # fmt: skip
    root = Path(root).resolve()
    work = settings.data_dir / "evaluation" / root.name
    split = split_dataset(root, work / "training", holdout_days)
    if not split.holdout:
        raise EvaluationError(f"no purchase in the last {holdout_days} days of {root}")
    log(
        f"split at {split.split_date}: {split.training_rows:,} training rows, "
        f"{split.holdout_rows:,} holdout rows ({len(split.holdout):,} customers)"
    )
    settings = settings.model_copy(update={"dataset_dir": root})  # the embed job reads images here
    with SyncShards(settings) as shards:
        prepare_shards(shards, root, work / "training", split, reset=reset, log=log)
        started = time.perf_counter()
        prepare_signals(shards, settings, log=log)
        log(f"signals ready in {time.perf_counter() - started:.1f} s")
    chosen = sample_customers(split, customers, seed)
    actual = {c: split.holdout[c] for c in chosen}
    catalogue = sum(1 for _ in reader.read_articles(root))
    report = Report(root, split, len(chosen), seed, catalogue)
    report.notes.append(
        f"Each request through a real `fabric-gql serve` over HTTP, {concurrency} at a time."
    )
    served = Served(root, work / "serve.log")
    try:
        started = time.perf_counter()
        served.wait()
        log(f"serve answered in {time.perf_counter() - started:.1f} s")
        for strategy in strategies:
            predicted, seconds, errors = asyncio.run(
                ask(served.url, chosen, strategy, split.split_date.isoformat(), concurrency)
            )
            report.results.append(
                MethodResult(
                    strategy,
                    metrics.mean_average_precision(actual, predicted, K),
                    metrics.mean_recall(actual, predicted, K),
                    metrics.coverage(predicted, catalogue, K),
                    1000 * seconds,
                    errors,
                )
            )
            log(f"{strategy}: {report.results[-1].map_at_k:.4f} MAP@12")
    finally:
        served.stop()
    return report


def run_evaluate(
    settings: Settings, root: Path, *, holdout_days: int, customers: int | None, seed: int,
    reset: bool,
) -> int:  # fmt: skip
    try:
        report = evaluate(
            settings, root, holdout_days=holdout_days, customers=customers, seed=seed,
            reset=reset, log=lambda line: print(line, file=sys.stderr),
        )  # fmt: skip
    except (EvaluationError, reader.DatasetError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.render())
    return 0
