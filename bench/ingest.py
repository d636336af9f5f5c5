"""Load throughput, project loader vs the reference `LOAD CSV … IN TRANSACTIONS OF 1000 ROWS`.

Same servers, same run, same files: the shards are reset before each way of loading: the
incremental load, the reference, then the bulk load (Neo4j's import tool, ingest/bulk.py; last,
since it restarts the transactions shard). Run it with `bench/ingest` (which starts a dedicated
pair of shards so demo data is never touched).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from cypher import loader
from cypher.shards import Shard, SyncShards
from fabric_gql.settings import get_settings
from hm.generate import generate
from ingest.bulk import bulk_load
from ingest.load import create_schema, load_dataset, shard_counts
from ingest.reset import reset_shards

# The reference way's LOAD CSV queries (`reference_*.cypher`), sent through the same clients.
loader.include(Path(__file__).parent / "cypher")
# The full H&M Kaggle dataset, for the projection.
FULL = {"articles": 105_542, "customers": 1_371_980, "purchases": 31_788_324}


def reference_load(shards: SyncShards, root: Path, import_root: Path) -> dict[str, float]:
    """Seconds per file for the reference way. The server reads the files itself, from a
    `file:///` URL under its import folder, passed as a parameter."""

    def url(name: str) -> str:
        return "file:///" + str((root / name).resolve().relative_to(import_root.resolve()))

    def seconds(load: Callable[[], None]) -> float:
        started = time.perf_counter()
        load()
        return time.perf_counter() - started

    t, p = Shard.TRANSACTIONS, Shard.PRODUCTS
    articles, customers = url("articles.csv"), url("customers.csv")
    purchases = url("transactions_train.csv")
    return {
        "articles": seconds(
            lambda: shards.autocommit(t, "reference_articles_transactions", url=articles)
        )
        + seconds(lambda: shards.autocommit(p, "reference_articles_products", url=articles)),
        "customers": seconds(lambda: shards.autocommit(t, "reference_customers", url=customers)),
        "purchases": seconds(lambda: shards.autocommit(t, "reference_transactions", url=purchases)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--transactions", type=int, default=2_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument(
        "--dataset", type=Path, help="an H&M folder to load instead of a generated one"
    )
    parser.add_argument(
        "--skip-incremental", action="store_true",
        help="only the reference and the bulk load (at full size the incremental load alone "
        "takes about as long as the reference)",
    )  # fmt: skip
    args = parser.parse_args()

    settings = get_settings()
    root = settings.data_dir / f"ingest-{args.articles}-{args.customers}-{args.transactions}"
    if args.dataset is not None:
        root = args.dataset.resolve()
    elif not (root / "transactions_train.csv").is_file():
        print(f"generating {root} …", flush=True)
        generate(
            root,
            articles=args.articles,
            customers=args.customers,
            transactions=args.transactions,
            seed=1,
            images=False,
        )

    with SyncShards(settings) as shards:
        ours: dict[str, float] | None = None
        if not args.skip_incremental:
            reset_shards(shards)
            report = load_dataset(shards, root, batch_size=args.batch_size)
            ours_counts = shard_counts(shards)
            ours = dict(report.seconds)
            print(report.render(), flush=True)

        reset_shards(shards)
        create_schema(shards)
        ref = reference_load(shards, root, settings.data_dir)
        ref_counts = shard_counts(shards)
        reset_shards(shards)

    started = time.perf_counter()
    bulk = bulk_load(settings, root)
    bulk_s = time.perf_counter() - started
    print(bulk.render(), flush=True)
    rows = dict(bulk.rows)
    total_ref = sum(ref.values())
    incremental, loaded = "incremental skipped", ref_counts
    if ours is not None:
        loaded = ours_counts
        same = ours_counts["transactions"]["purchases"] == ref_counts["transactions"]["purchases"]
        print(f"\nIngest benchmark: {root.name} (batch {args.batch_size:,}); counts equal: {same}")
        print(f"{'file':<12}{'rows':>12}{'project rows/s':>18}{'reference rows/s':>20}{'ratio':>8}")
        for name in ("articles", "customers", "purchases"):
            n = rows[name]
            ratio = ref[name] / ours[name]
            print(
                f"{name:<12}{n:>12,}{n / ours[name]:>18,.0f}{n / ref[name]:>20,.0f}{ratio:>7.2f}×"
            )
        total_ours = sum(ours.values())
        speedup = total_ref / total_ours
        print(f"{'total s':<12}{'':>12}{total_ours:>18.1f}{total_ref:>20.1f}{speedup:>7.2f}×")
        incremental = f"incremental {speedup:.2f}×"
    reference = ", ".join(f"{k} {v:.1f} s" for k, v in ref.items())
    print(
        f"\nbulk load (import tool) of {root}: {bulk_s:.1f} s, {total_ref / bulk_s:.2f}× the "
        f"LOAD CSV reference ({total_ref:.1f} s: {reference}); {incremental}; counts equal: "
        f"{bulk.counts == loaded}"
    )
    print("bulk steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in bulk.phases.items()))
    # The restart is a fixed cost; the rest grows with the rows (purchases are most of them).
    fixed = bulk.phases.get("stop", 0.0) + bulk.phases.get("start", 0.0)
    scale = FULL["purchases"] / max(rows["purchases"], 1)
    print(
        f"projected bulk for the full H&M size: {(fixed + (bulk_s - fixed) * scale) / 60:.1f} min "
        f"(restart {fixed:.0f} s fixed, the rest scaled by purchases)"
    )
    projected_ref = sum(FULL[k] / (rows[k] / ref[k]) for k in FULL)
    projected = f"reference {projected_ref / 60:.1f} min"
    if ours is not None:
        projected_ours = sum(FULL[k] / (rows[k] / ours[k]) for k in FULL)
        projected = f"project {projected_ours / 60:.1f} min, " + projected
    print(f"projected for the full H&M size: {projected}")


if __name__ == "__main__":
    main()
