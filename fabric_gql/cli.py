"""`fabric-gql` — one command per task. Heavy imports happen inside each subcommand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fabric_gql.settings import get_settings


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

    return run_load(get_settings(), args.dir, batch_size=args.batch_size)


def _serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from gql.app import create_app

    settings = get_settings()
    host = args.host or settings.http_host
    port = args.port or settings.http_port
    shown = f"[{host}]" if ":" in host else host
    print(f"GraphiQL: http://{shown}:{port}/graphql", flush=True)
    # The server's notes on labels or types not in the store yet (before a load or a
    # similarity recompute) would otherwise be logged for every request.
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=args.log_level)
    return 0


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
    p.set_defaults(func=_load)

    p = sub.add_parser("serve", help="serve the GraphQL API and GraphiQL (uvicorn)")
    p.add_argument("--host", help="default: FABRIC_GQL_HTTP_HOST (127.0.0.1)")
    p.add_argument("--port", type=int, help="default: FABRIC_GQL_HTTP_PORT (8000)")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=_serve)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
