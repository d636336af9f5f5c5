"""The Cypher round trips behind a batch of recommendations: a constant number, whatever the
number of customers, their history or `first`.

Customers: `recs_history` (each customer's purchases before asOf, per product, and the window's
end), then at once those of `recs_copurchase` (BOUGHT_WITH of the current CoPurchaseState
version), SIMILAR (the federation's cross-shard read: two queries in direct mode, one in fabric)
and `recs_trending` that the strategy uses, then `recs_products` (the facts of every product
named: filters, the type cap, and the answer's products). Products ("goes with"): BOUGHT_WITH
and SIMILAR at once, then `recs_products`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from cypher.federation import SIMILAR, Federation
from cypher.shards import Rows, Shard
from recs import signals
from recs.model import Facts, Recommendation, Request, Signal, Strategy
from recs.ranking import rank, signals_of
from recs.signals import Bought, Proposals


@dataclass
class Ranked:
    recommendations: dict[str, list[Recommendation]]  # by the key asked for
    facts: dict[str, Facts]  # every product the recommendations name


async def _rows(read: Awaitable[Rows] | None) -> Rows:
    return [] if read is None else await read


async def _facts(federation: Federation, codes: Iterable[str]) -> dict[str, Facts]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await federation.read(Shard.TRANSACTIONS, "recs_products", codes=wanted)
    return {row["product"]["code"]: cast(Facts, dict(row)) for row in rows}


def _native(value: Any) -> date | None:
    """A neo4j.time.Date as a date."""
    return cast(date | None, value.to_native() if hasattr(value, "to_native") else value)


async def for_customers(federation: Federation, customers: list[str], request: Request) -> Ranked:
    used = signals_of(request.strategy)
    rows = await federation.read(
        Shard.TRANSACTIONS,
        "recs_history",
        customers=customers,
        asOf=request.as_of,
        halfLifeDays=signals.HALF_LIFE_DAYS,
    )
    end = _native(rows[0]["end"]) if rows else None
    if end is None:  # no purchase anywhere (before asOf): nothing to go on
        return Ranked({customer: [] for customer in customers}, {})
    histories = {
        row["customer"]: [Bought.from_row(bought) for bought in row["bought"]] for row in rows
    }
    seeds = sorted({s.code for h in histories.values() for s in signals.sources(h)})
    groups = sorted({g for h in histories.values() for g in signals.usual_groups(h)})

    reads: list[Awaitable[Rows] | None] = [None, None, None]
    if Signal.COPURCHASE in used and seeds:
        reads[0] = federation.read(
            Shard.TRANSACTIONS,
            "recs_copurchase",
            codes=seeds,
            perSource=signals.COPURCHASE_PER_SOURCE,
        )
    if Signal.VISUAL in used and seeds:
        reads[1] = federation.read_across(
            SIMILAR,
            codes=seeds,
            limit=signals.VISUAL_PER_SOURCE,
            sameDepartment=False,
            minScore=None,
        )
    if used & {Signal.TRENDING, Signal.TRENDING_IN_GROUP}:
        reads[2] = federation.read(
            Shard.TRANSACTIONS,
            "recs_trending",
            end=end,
            days=signals.TRENDING_DAYS,
            limit=signals.trending_pool(request.first),
            groups=groups if Signal.TRENDING_IN_GROUP in used else [],
            **request.filters.params(),
        )
    edges, neighbours, trend = await asyncio.gather(*map(_rows, reads))
    best = trend[0]["best"] if trend else []
    in_group = {row["indexGroup"]: row["best"] for row in (trend[0]["inGroups"] if trend else [])}

    named = {b.code for h in histories.values() for b in h[: signals.REPURCHASE_CANDIDATES]}
    named |= {row["code"] for row in [*edges, *neighbours, *best]}
    named |= {row["code"] for rows_ in in_group.values() for row in rows_}
    facts = await _facts(federation, named)

    edges_from = signals.grouped(edges, "source")
    neighbours_of = signals.grouped(neighbours, "source")
    ranked: dict[str, list[Recommendation]] = {}
    for customer in customers:
        history = histories.get(customer, [])
        proposals: Proposals = {}
        seeded = signals.sources(history)
        signals.repurchase(proposals, history)
        signals.copurchase(proposals, seeded, end, [e for s in seeded for e in edges_from[s.code]])
        signals.visual(
            proposals, seeded, end, [n for s in seeded for n in neighbours_of[s.code]], facts
        )
        signals.trending(proposals, Signal.TRENDING, best)
        signals.in_groups(proposals, signals.usual_groups(history), in_group)
        ranked[customer] = rank(
            proposals,
            facts,
            strategy=request.strategy,
            first=request.first,
            filters=request.filters,
            exclude={b.code for b in history} if request.exclude_purchased else (),
            max_per_product_type=request.max_per_product_type,
        )
    return Ranked(ranked, facts)


async def goes_with(federation: Federation, codes: list[str], first: int) -> Ranked:
    edges, neighbours = await asyncio.gather(
        federation.read(
            Shard.TRANSACTIONS,
            "recs_copurchase",
            codes=codes,
            perSource=signals.GOES_WITH_COPURCHASE,
        ),
        federation.read_across(
            SIMILAR,
            codes=codes,
            limit=signals.GOES_WITH_VISUAL,
            sameDepartment=False,
            minScore=None,
        ),
    )
    facts = await _facts(federation, [*codes, *(row["code"] for row in [*edges, *neighbours])])
    by_source_edges = signals.grouped(edges, "source")
    by_source_neighbours = signals.grouped(neighbours, "source")
    ranked = {
        code: rank(
            signals.goes_with(
                code, facts, by_source_edges.get(code, []), by_source_neighbours.get(code, [])
            ),
            facts,
            strategy=Strategy.BLEND,
            first=first,
            exclude={code},
        )
        for code in codes
    }
    return Ranked(ranked, facts)
