"""API latency against its floor: `similarProducts(code, topK: 10)` with its products' type and
department, through uvicorn on loopback, versus the bare Cypher round trips the same answer needs
(the products-shard part, then the transactions-shard part) through the async driver.

Both run the same number of requests with the same concurrency over the same codes, in one run.
Run through `bench/api` (dedicated shards; `python -m bench.api` from the repository root);
`--help` lists the knobs.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.common import Connections, Run, drive, merge, start_server, wait_ready
from cypher import loader
from cypher.federation import SIMILAR
from cypher.shards import AsyncShards, Shard, SyncShards
from fabric_gql.settings import get_settings

# The tests' `fixture_similar` writes the synthetic SIMILAR edges, through the same clients.
loader.include(Path(__file__).resolve().parent.parent / "tests" / "cypher")
FILTERS = (
    "hasImage", "nameContains", "departmentNumber", "productTypeNumber", "indexGroupNumber",
    "colourGroupCode",
)  # fmt: skip
DOCUMENT = """query Similar($code: ID!) {
  similarProducts(code: $code, topK: 10) {
    score
    product { code name productType { name } department { name } }
  }
}"""


def prepare(shards: SyncShards, articles: int, seed: int) -> list[str]:
    """Loads a generated catalogue if the shards are empty and writes synthetic SIMILAR edges
    (10 per product, seeded) if there are none; returns the codes that have neighbours."""
    from ingest.load import load_dataset

    counts = shards.read(Shard.PRODUCTS, "counts_products")[0]
    if counts["products"] == 0:
        from hm.generate import generate

        with tempfile.TemporaryDirectory() as tmp:
            print(f"loading a generated catalogue of {articles} articles ...", flush=True)
            generate(
                Path(tmp),
                articles=articles,
                customers=articles,
                transactions=articles * 10,
                seed=seed,
                images=False,
            )
            load_dataset(shards, Path(tmp))
    no_filter = dict.fromkeys(FILTERS)
    page = shards.read(Shard.TRANSACTIONS, "products_page", after="", limit=10**9, **no_filter)
    codes = [row["product"]["code"] for row in page]
    if shards.read(Shard.PRODUCTS, "counts_products")[0]["similar"] == 0:
        print("writing synthetic SIMILAR edges (10 per product) ...", flush=True)
        draw = random.Random(seed)
        rows = []
        for code in codes:
            neighbours = [c for c in draw.sample(codes, 11) if c != code][:10]
            scores = sorted((draw.uniform(0.5, 1.0) for _ in range(10)), reverse=True)
            rows += [
                {"source": code, "code": c, "score": s, "rank": r}
                for r, (c, s) in enumerate(zip(neighbours, scores, strict=True), start=1)
            ]
        for i in range(0, len(rows), 10_000):
            shards.write(Shard.PRODUCTS, "fixture_similar", rows=rows[i : i + 10_000])
    found = shards.read(
        Shard.PRODUCTS,
        "similar_candidates",
        codes=codes,
        limit=10,
        sameDepartment=False,
        minScore=None,
    )
    per_source = Counter(record["row"]["source"] for record in found)
    return sorted(code for code, n in per_source.items() if n == 10)


async def floor_call(shards: AsyncShards) -> Callable[[str], Awaitable[int]]:
    params: dict[str, Any] = {"limit": 10, "sameDepartment": False, "minScore": None}

    async def call(code: str) -> int:
        first = await shards.read(SIMILAR.first.shard, SIMILAR.first.name, codes=[code], **params)
        rows = [r["row"] for r in first]
        then = await shards.read(SIMILAR.then.shard, SIMILAR.then.name, rows=rows, **params)
        return len(then)

    return call


def api_call(connections: Connections) -> Callable[[str], Awaitable[int]]:
    async def call(code: str) -> int:
        body = await connections.post_json(
            "/graphql", {"query": DOCUMENT, "variables": {"code": code}}
        )
        if "errors" in body:
            raise SystemExit(f"API error: {body['errors']}")
        return len(body["data"]["similarProducts"])

    return call


def ten(code: str, n: int) -> str | None:
    return None if n == 10 else f"{code} gave {n} neighbours, expected 10"


async def bench(args: argparse.Namespace, codes: list[str]) -> None:
    settings = get_settings()
    draw = random.Random(args.seed)
    sample = [draw.choice(codes) for _ in range(args.requests)]
    warmup = [draw.choice(codes) for _ in range(args.warmup)]

    server = start_server(args.port)
    shards = AsyncShards(settings)
    connections = Connections(args.port, args.clients)
    try:
        await wait_ready(args.port, server)
        api, floor = api_call(connections), await floor_call(shards)
        runs: dict[str, list[Run]] = {"api": [], "floor": []}
        # Interleaved rounds, so drift on the machine touches both alike.
        for _ in range(args.rounds):
            await drive("warmup", floor, warmup, args.clients, ten)
            runs["floor"].append(await drive("cypher floor", floor, sample, args.clients, ten))
            await connections.open()  # fresh: the server drops connections idle for 5 s
            await drive("warmup", api, warmup, args.clients, ten)
            runs["api"].append(await drive("graphql api", api, sample, args.clients, ten))
            await connections.close()
    finally:
        await connections.close()
        await shards.close()
        server.terminate()
        server.wait(10)

    floor_run = merge(runs["floor"])
    api_run = merge(runs["api"])
    print(
        f"\nsimilarProducts(topK: 10) with type and department; {args.clients} concurrent clients,"
        f" {args.requests} requests x {args.rounds} rounds, {len(codes)} products with neighbours"
    )
    fast = [name for name in ("uvloop", "httptools") if importlib.util.find_spec(name)]
    print(f"event loop: {args.loop}; server extras installed: {', '.join(fast) or 'none'}")
    print(floor_run.line())
    print(api_run.line())
    ratio = api_run.p50 / floor_run.p50
    print(f"API p50 / floor p50 = {ratio:.2f}  (goal <= 1.5)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000, help="per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--articles", type=int, default=2000, help="if the shards are empty")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--loop",
        choices=["asyncio", "uvloop"],
        default="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        help="event loop of the floor's and the clients' process (default: uvloop if installed)",
    )
    args = parser.parse_args()
    with SyncShards(get_settings()) as shards:
        codes = prepare(shards, args.articles, args.seed)
    if not codes:
        raise SystemExit("no product has 10 SIMILAR neighbours")
    if args.loop == "uvloop":
        import uvloop  # the server picks it too when installed (uvicorn's loop="auto")

        uvloop.install()
    asyncio.run(bench(args, codes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
