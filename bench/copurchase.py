"""Co-purchases: the job's time, and `alsoBought(first: 12)` on the best sellers before and after.

Before is the reference, alsoBought as it was: a live two-hop walk per product
(`reference_also_bought`: Product <- Customer -> Product, counted per request). After is the
project's `product_bought_with`: one hop over the computed BOUGHT_WITH edges. Both are sent
through the same client, one product per request (the DataLoader's batch shape), on the same
products in the same run, warmed once, then timed over `--rounds` rounds. The job is the real
one (`jobs/copurchase.py` through the job runner).

Run it with `bench/copurchase` (a dedicated pair of shards, so demo data is never touched).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from cypher import loader
from cypher.shards import Shard, SyncShards
from fabric_gql.settings import get_settings
from hm.generate import generate
from ingest.load import load_dataset
from ingest.reset import reset_shards
from jobs import copurchase
from jobs.runner import run_in_foreground

# The reference query and the best-seller list (`bench/cypher/`), sent through the same clients.
loader.include(Path(__file__).parent / "cypher")
FIRST = 12
# The H&M file, for the projection.
FULL = {"articles": 105_542, "customers": 1_371_980, "purchases": 31_788_324}
# The job's summary names the seconds of its phases.
PHASES = re.compile(r"read ([\d.]+) s, computed ([\d.]+) s, wrote (\d+) edges in ([\d.]+) s")


def timed(call: Callable[[str], list[str]], codes: list[str], rounds: int) -> list[float]:
    latencies = []
    for _ in range(rounds):
        for code in codes:
            started = time.perf_counter()
            call(code)
            latencies.append(time.perf_counter() - started)
    return latencies


def line(name: str, latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return f"{name:<34} p50 {q[49]:8.2f} ms   p95 {q[94]:8.2f} ms   ({len(ms)} requests)"


def p(latencies: list[float], n: int) -> float:
    return statistics.quantiles(latencies, n=100, method="inclusive")[n - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--top-n", type=int, default=copurchase.TOP_N)
    parser.add_argument("--products", type=int, default=100, help="best sellers asked about")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    settings = get_settings()
    root = settings.data_dir / f"copurchase-{args.articles}-{args.customers}-{args.transactions}"
    if not (root / "transactions_train.csv").is_file():
        print(f"generating {root} …", flush=True)
        generate(
            root,
            articles=args.articles,
            customers=args.customers,
            transactions=args.transactions,
            seed=1,
            images=False,
        )

    t = Shard.TRANSACTIONS
    with SyncShards(settings) as shards:
        reset_shards(shards)
        report = load_dataset(shards, root)
        purchases = report.rows["purchases"]
        best = shards.read(t, "bench_best_sellers", limit=args.products)
        codes = [row["code"] for row in best]

        def before(code: str) -> list[str]:
            rows = shards.read(t, "reference_also_bought", keys=[code], first=FIRST)
            return [product["code"] for row in rows for product in row["value"]]

        def after(code: str) -> list[str]:
            rows = shards.read(t, "product_bought_with", keys=[code], first=FIRST)
            return [edge["product"]["code"] for row in rows for edge in row["value"]]

        cold_started = time.perf_counter()
        reference_answers = {code: before(code) for code in codes}  # also the warm-up
        reference_cold = time.perf_counter() - cold_started
        reference = timed(before, codes, args.rounds)

        params = {"topN": args.top_n, "weeks": None}
        started = time.perf_counter()
        record = run_in_foreground(shards, copurchase.KIND, params, copurchase.copurchase_work())
        job_s = time.perf_counter() - started
        if record["status"] != "SUCCEEDED":
            raise SystemExit(f"the co-purchase job {record['status']}: {record.get('error')}")

        project_answers = {code: after(code) for code in codes}  # the warm-up
        project = timed(after, codes, args.rounds)

    same = sum(project_answers[c] == reference_answers[c] for c in codes)
    overlap = statistics.mean(
        len(set(project_answers[c]) & set(reference_answers[c])) / max(1, len(reference_answers[c]))
        for c in codes
    )
    print(
        f"\nCo-purchase benchmark: {root.name}; {purchases:,} purchases loaded; "
        f"the {len(codes)} best sellers ({best[0]['purchases']:,} to {best[-1]['purchases']:,} "
        f"purchases each), alsoBought(first: {FIRST}), {args.rounds} warm rounds"
    )
    print(f"job: {job_s:.1f} s (the runner's record included). {record.get('summary')}")
    print(f"reference, first pass (cold plans and pages): {reference_cold:.2f} s for all")
    print(line("reference (live two-hop)", reference))
    print(line("project (one hop over BOUGHT_WITH)", project))
    print(
        f"reference / project: p50 {p(reference, 50) / p(project, 50):.1f}x, "
        f"p95 {p(reference, 95) / p(project, 95):.1f}x faster"
    )
    print(
        f"same top {FIRST} as the reference: {same} of {len(codes)} products (ties beyond the "
        f"count are broken by score, then code, instead of code); mean overlap {overlap:.1%}"
    )
    print(projection(record.get("summary") or "", purchases, args))


def projection(summary: str, purchases: int, args: argparse.Namespace) -> str:
    """The full H&M size by phase: reading grows with the purchases, the BᵀB product with the
    purchases times the purchases per customer, writing with the edges (products x top N)."""
    found = PHASES.search(summary)
    if found is None:
        return "no phase times in the job's summary"
    read_s, compute_s, edges, write_s = (float(x) for x in found.groups())
    scale = FULL["purchases"] / purchases
    per_customer = (FULL["purchases"] / FULL["customers"]) / (purchases / args.customers)
    full_edges = FULL["articles"] * args.top_n
    phases = {
        "read": read_s * scale,
        "compute": compute_s * scale * per_customer,
        "write": write_s * full_edges / max(edges, 1.0),
    }
    shown = ", ".join(f"{name} {seconds / 60:.1f}" for name, seconds in phases.items())
    return (
        f"projected for the full H&M size ({FULL['purchases']:,} purchases, at most "
        f"{full_edges:,} edges): {sum(phases.values()) / 60:.1f} min ({shown} min)"
    )


if __name__ == "__main__":
    main()
