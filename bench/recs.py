"""Recommendation quality on a synthetic catalogue whose customers have tastes (hm.purchases):
generate it with images, then `fabric-gql evaluate` it — every strategy's MAP@12, recall@12,
coverage and time per customer in one table, beside the challenge's public references. Run it
with `bench/recs` (its own pair of shards); the shards are emptied first.
"""

from __future__ import annotations

import argparse
import time

from evaluation.run import evaluate
from fabric_gql.settings import get_settings
from hm.generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1500)
    parser.add_argument("--customers", type=int, default=4000)
    parser.add_argument("--transactions", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=42, help="of the generated catalogue")
    parser.add_argument("--evaluate", type=int, default=500, help="customers scored")
    parser.add_argument("--holdout-days", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    settings = get_settings()
    out = settings.data_dir / "bench-recs" / f"synthetic-{args.seed}"
    sizes = (args.articles, args.customers, args.transactions)
    marker = out / ".bench-recs-sizes"
    if not marker.exists() or marker.read_text() != repr(sizes):  # reuse the same catalogue
        print(
            generate(out, articles=args.articles, customers=args.customers,
                     transactions=args.transactions, seed=args.seed),
            flush=True,
        )  # fmt: skip
        marker.write_text(repr(sizes))
    started = time.perf_counter()
    report = evaluate(
        settings, out, holdout_days=args.holdout_days, customers=args.evaluate, seed=0,
        reset=True, concurrency=args.concurrency,
    )  # fmt: skip
    print(f"\n{report.render()}")
    print(f"\n(evaluation with its load and jobs: {time.perf_counter() - started:.0f} s; "
          f"embedding weights: {settings.embedding_weights})")  # fmt: skip


if __name__ == "__main__":
    main()
