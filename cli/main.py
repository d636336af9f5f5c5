"""`fabric-gql` — one command per task. Heavy imports happen inside each subcommand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fabric_gql.settings import get_settings

if TYPE_CHECKING:
    from jobs.runner import Work


def _neo4j(args: argparse.Namespace) -> int:
    from neo4j_local import server

    settings = get_settings()
    action = {"start": server.start, "stop": server.stop, "status": server.status}[args.action]
    return action(settings)


def _generate(args: argparse.Namespace) -> int:
    from hm.generate import generate

    summary = generate(
        args.out,
        articles=args.articles,
        customers=args.customers,
        transactions=args.transactions,
        seed=args.seed,
        images=not args.no_images,
    )
    print(summary)
    return 0


def _load(args: argparse.Namespace) -> int:
    from ingest.load import run_load

    loaded = run_load(get_settings(), args.dir, batch_size=args.batch_size, mode=args.mode)
    if loaded != 0 or args.no_copurchase:
        return loaded
    # alsoBought reads computed co-purchases: a loaded catalogue answers it at once.
    return _copurchase(argparse.Namespace(top_n=None, weeks=None))


def _reset(args: argparse.Namespace) -> int:
    from ingest.reset import run_reset

    return run_reset(get_settings(), yes=args.yes)


def _serve(args: argparse.Namespace) -> int:
    import ipaddress
    import logging

    settings = get_settings()
    host = args.host or settings.http_host
    port = args.port or settings.http_port
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # any other host name may resolve to a public address
        loopback = False
    # Checked before anything binds: a public production server must have its token.
    if settings.profile == "production" and settings.api_token is None and not loopback:
        print(
            f"fabric-gql serve: refusing to serve on {host} in the production profile without "
            "FABRIC_GQL_API_TOKEN; set the token, or serve on 127.0.0.1",
            file=sys.stderr,
        )
        return 2

    import uvicorn

    from gql import logs
    from gql.app import create_app

    workers = args.workers or settings.http_workers
    shown = f"[{host}]" if ":" in host else host
    print(f"Explorer: http://{shown}:{port}/", flush=True)
    if settings.graphiql:
        print(f"GraphiQL: http://{shown}:{port}/graphql", flush=True)
    if workers > 1:
        print(f"{workers} API processes", flush=True)
        return _serve_workers(host, port, workers, args.log_level)
    # One handler for every logger, uvicorn's too (log_config=None leaves them to it), each
    # line with its request id: text or JSON (settings.log_format).
    logs.configure(settings.log_format, args.log_level)
    # The server's notes on labels or types not in the store yet (before a load or a
    # similarity recompute) would otherwise be logged for every request.
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level=args.log_level, log_config=None
    )
    return 0


# `serve --workers N`: the app factory uvicorn imports in each worker process, and the log level
# each one configures itself with.
_WORKER_APP = "cli.main:worker_app"
_WORKER_LOG_LEVEL = "FABRIC_GQL_WORKER_LOG_LEVEL"


def _serve_workers(host: str, port: int, workers: int, log_level: str) -> int:
    """uvicorn's process manager: `workers` processes on one socket, each building its app with
    `worker_app`. Their Prometheus counters go to files in a fresh folder that /metrics adds up
    (prometheus-client's multiprocess mode, which must be set before any worker imports it)."""
    import os
    import shutil
    import tempfile

    import uvicorn

    folder = tempfile.mkdtemp(prefix="fabric-gql-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    os.environ[_WORKER_LOG_LEVEL] = log_level
    try:
        uvicorn.run(
            _WORKER_APP,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            log_config=None,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def worker_app() -> Any:
    """One `serve --workers` process's app (uvicorn imports this by name in each worker)."""
    import logging
    import os

    from gql import logs
    from gql.app import create_app

    settings = get_settings()
    logs.configure(settings.log_format, os.environ.get(_WORKER_LOG_LEVEL, "info"))
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    return create_app(settings)


def _run_job(kind: str, params: dict[str, Any], work: Work) -> int:
    import signal
    import threading

    from tqdm import tqdm

    from cypher.shards import SyncShards
    from jobs.runner import Progress, run_in_foreground

    # SIGTERM or Ctrl-C cancels the job, which is then recorded CANCELLED, not left RUNNING
    # until its lease runs out.
    cancel = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: cancel.set())
    with SyncShards(get_settings()) as shards, tqdm(desc=kind.lower(), unit=" items") as bar:

        def on_change(progress: Progress) -> None:
            bar.total = progress.total
            bar.n = progress.processed
            bar.set_postfix(failed=progress.failed, refresh=False)
            bar.refresh()

        record = run_in_foreground(shards, kind, params, work, on_change, cancel)
    print(f"job {record['id']}: {record['status']}. {record.get('summary') or ''}")
    for failure in record.get("failures") or []:
        print(f"  failed: {failure}")
    if record.get("error"):
        print(f"error: {record['error']}")
    return 0 if record["status"] == "SUCCEEDED" else 1


def _embed(args: argparse.Namespace) -> int:
    from jobs.embed import KIND, embed_work

    params = {"codes": args.codes or None, "onlyMissing": not args.all}
    return _run_job(KIND, params, embed_work(get_settings()))


def _knn(args: argparse.Namespace) -> int:
    from jobs.knn import KIND, knn_work

    params = {
        "topK": args.top_k,
        "similarityCutoff": args.cutoff,
        "method": args.method,
        "gdsConcurrency": args.gds_concurrency,
        "autoExactBelow": args.auto_exact_below,
    }
    return _run_job(KIND, params, knn_work())


def _copurchase(args: argparse.Namespace) -> int:
    from jobs.copurchase import KIND, TOP_N, copurchase_work

    params = {"topN": args.top_n or TOP_N, "weeks": args.weeks}
    return _run_job(KIND, params, copurchase_work())


def _evaluate(args: argparse.Namespace) -> int:
    from evaluation.run import run_evaluate

    return run_evaluate(
        get_settings(), args.dir, holdout_days=args.holdout_days,
        customers=args.customers or None, seed=args.seed, reset=args.reset,
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fabric-gql", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("neo4j", help="start, stop or inspect the two local Neo4j shards")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=_neo4j)

    p = sub.add_parser("generate", help="write a synthetic dataset in the H&M layout")
    p.add_argument("out", type=Path)
    p.add_argument("--articles", type=int, default=2000)
    p.add_argument("--customers", type=int, default=5000)
    p.add_argument("--transactions", type=int, default=50000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--no-images", action="store_true", help="skip drawing the JPEG images")
    p.set_defaults(func=_generate)

    p = sub.add_parser("load", help="load an H&M-layout folder into both shards")
    p.add_argument("dir", type=Path)
    p.add_argument("--batch-size", type=int, default=10_000)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--bulk", dest="mode", action="store_const", const="bulk", default="auto",
        help="empty local shards only: write import files and run Neo4j's import tool "
        "(default: bulk when both shards are empty and local and the file is large)",
    )  # fmt: skip
    mode.add_argument(
        "--incremental", dest="mode", action="store_const", const="incremental",
        help="always load in UNWIND batches through Bolt",
    )  # fmt: skip
    p.add_argument(
        "--no-copurchase", action="store_true", help="skip the co-purchase job that follows"
    )
    p.set_defaults(func=_load)

    p = sub.add_parser(
        "reset", help="delete every node and relationship on both shards (schema kept)"
    )
    p.add_argument("--yes", action="store_true", help="really delete (without it: say what)")
    p.set_defaults(func=_reset)

    p = sub.add_parser("serve", help="serve the GraphQL API and GraphiQL (uvicorn)")
    p.add_argument("--host", help="default: FABRIC_GQL_HTTP_HOST (127.0.0.1)")
    p.add_argument("--port", type=int, help="default: FABRIC_GQL_HTTP_PORT (8000)")
    p.add_argument("--log-level", default="info")
    p.add_argument(
        "--workers",
        type=int,
        help="API processes on the port (default: FABRIC_GQL_HTTP_WORKERS, 1)",
    )
    p.set_defaults(func=_serve)

    p = sub.add_parser("embed", help="embed product images (ResNet50V2) into the products shard")
    p.add_argument("codes", nargs="*", help="only these article ids (default: all with an image)")
    p.add_argument("--all", action="store_true", help="re-embed products that have a vector")
    p.set_defaults(func=_embed)

    p = sub.add_parser("knn", help="recompute the SIMILAR graph (cosine top-K per product)")
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--cutoff", type=float, default=0.0, help="keep only scores at least this")
    p.add_argument(
        "--method", choices=["AUTO", "EXACT", "IVF", "ANN", "GDS"], default="AUTO",
        help="AUTO: EXACT below --auto-exact-below products, IVF from there",
    )  # fmt: skip
    p.add_argument("--auto-exact-below", type=int, default=10_000)
    p.add_argument("--gds-concurrency", type=int, default=1)
    p.set_defaults(func=_knn)

    p = sub.add_parser(
        "copurchase", help="recompute the BOUGHT_WITH graph (top-N co-purchases per product)"
    )
    p.add_argument("--top-n", type=int, default=None, help="per product (default 50)")
    p.add_argument("--weeks", type=int, help="only the last W weeks up to the newest purchase")
    p.set_defaults(func=_copurchase)

    p = sub.add_parser(
        "evaluate", help="MAP@12 of each recommendation strategy on the last days of DIR"
    )
    p.add_argument("dir", type=Path, help="an H&M-layout folder (its transactions are split)")
    p.add_argument("--holdout-days", type=int, default=7)
    p.add_argument("--customers", type=int, default=1000, help="sampled; 0: every one")
    p.add_argument("--seed", type=int, default=0, help="of the customer sample")
    p.add_argument(
        "--reset", action="store_true",
        help="empty the transactions shard first when it holds purchases on or after the split",
    )  # fmt: skip
    p.set_defaults(func=_evaluate)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
