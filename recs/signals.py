"""The signals' weights and windows, and each signal's proposals from the rows the reads bring.

A proposal is a signal's value for one product plus the purchases that led to it (`because`,
each with its part of the value). The blend's score of a product is the sum over its signals of
WEIGHTS[signal] x value: that product is the signal's `contribution` in the product's reasons.

Values, all comparable across customers:
- REPURCHASE: each earlier purchase of the product counts 1, halving every HALF_LIFE_DAYS
  before asOf (so 1.0 is "bought once, just now", 2.0 "twice, just now").
- COPURCHASE: over the recent purchases s, recency(s) x BOUGHT_WITH score(s -> product) / the
  best score among the edges read from s (the co-purchase job's cosine of the two products'
  buyers, so s's strongest co-purchase counts 1); recency(s) is 0.5^(days since s was last
  bought / HALF_LIFE_DAYS).
- VISUAL: over the recent purchases s, recency(s) x SIMILAR score(s -> product), kept to the
  index group of s (VISUAL_SAME_INDEX_GROUP: a boys' top is not a neighbour of a girls' top).
- TRENDING: the product's sales in the TRENDING_DAYS before asOf over the best seller's (0..1).
- TRENDING_IN_GROUP: the same within one of the customer's USUAL_GROUPS most bought index groups.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from recs.model import Facts, Signal

# Chosen by MAP@12 on a generated catalogue (seed 1: 1,500 articles, 4,000 customers, 150,000
# purchases; every weight set re-ranking the same captured proposals) and checked on another seed:
# repurchase dominates (in this data, as in H&M's), the customer's usual index groups' best
# sellers come next, co-purchase reorders within them. bench/recs reports on its own seed.
WEIGHTS: Mapping[Signal, float] = {
    Signal.REPURCHASE: 4.0,
    Signal.COPURCHASE: 0.3,
    Signal.VISUAL: 0.15,
    Signal.TRENDING: 0.1,
    Signal.TRENDING_IN_GROUP: 0.5,
}
HALF_LIFE_DAYS = 30.0
REPURCHASE_CANDIDATES = 24  # the most recently bought distinct products proposed again
RECENT_SOURCES = 12  # the most recently bought distinct products that seed co-purchase and visual
COPURCHASE_PER_SOURCE = 20  # BOUGHT_WITH edges followed from each, best rank first
VISUAL_PER_SOURCE = 20  # SIMILAR neighbours read for each
VISUAL_SAME_INDEX_GROUP = True
TRENDING_DAYS = 7
USUAL_GROUPS = 2
BECAUSE_MAX = 3  # purchases named in one reason, the strongest first
# Product.recommendations ("goes with"): BOUGHT_WITH edges and SIMILAR neighbours read per product.
GOES_WITH_COPURCHASE = 50
GOES_WITH_VISUAL = 20


def trending_pool(first: int) -> int:
    """How many best sellers to read: room for the filters done in Python and the type cap."""
    return 4 * first + 20


@dataclass
class Proposal:
    value: float = 0.0
    because: dict[str, float] = field(default_factory=dict)  # source code -> its part of value

    def add(self, part: float, source: str | None) -> None:
        self.value += part
        if source is not None:
            self.because[source] = self.because.get(source, 0.0) + part

    def named(self) -> list[str]:
        ranked = sorted(self.because.items(), key=lambda kv: (-kv[1], kv[0]))
        return [code for code, _ in ranked[:BECAUSE_MAX]]


Proposals = dict[str, dict[Signal, Proposal]]  # product code -> signal -> proposal


@dataclass(frozen=True)
class Bought:
    """One product of a customer's history before asOf (a `recs_history` row)."""

    code: str
    times: int
    last: date
    weight: float  # sum over its purchases of 0.5^(age in days / HALF_LIFE_DAYS)
    index_group: int | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Bought:
        last = row["last"]
        return cls(
            code=row["code"],
            times=int(row["times"]),
            last=last.to_native() if hasattr(last, "to_native") else last,
            weight=float(row["weight"]),
            index_group=row["indexGroup"],
        )

    def recency(self, end: date) -> float:
        return float(0.5 ** ((end - self.last).days / HALF_LIFE_DAYS))


def propose(
    proposals: Proposals, signal: Signal, code: str, part: float, source: str | None
) -> None:
    proposals.setdefault(code, {}).setdefault(signal, Proposal()).add(part, source)


def repurchase(proposals: Proposals, history: Sequence[Bought]) -> None:
    for bought in history[:REPURCHASE_CANDIDATES]:
        propose(proposals, Signal.REPURCHASE, bought.code, bought.weight, bought.code)


def sources(history: Sequence[Bought]) -> list[Bought]:
    return list(history[:RECENT_SOURCES])


def usual_groups(history: Iterable[Bought]) -> list[int]:
    counts: Counter[int] = Counter()
    for bought in history:
        if bought.index_group is not None:
            counts[bought.index_group] += bought.times
    return [group for group, _ in sorted(counts.items(), key=lambda gc: (-gc[1], gc[0]))][
        :USUAL_GROUPS
    ]


def copurchase(
    proposals: Proposals, seeds: Sequence[Bought], end: date, edges: Sequence[Mapping[str, Any]]
) -> None:
    """`edges`: `recs_copurchase` rows {source, code, score}."""
    recency = {s.code: s.recency(end) for s in seeds}
    best = best_scores(edges)
    for edge in edges:
        source = edge["source"]
        if source in recency and edge["code"] != source:
            part = recency[source] * edge["score"] / (best[source] or 1.0)
            propose(proposals, Signal.COPURCHASE, edge["code"], part, source)


def best_scores(edges: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Each source's best BOUGHT_WITH score (a positive cosine: each edge has a shared buyer)."""
    best: dict[str, float] = {}
    for edge in edges:
        best[edge["source"]] = max(best.get(edge["source"], 0.0), float(edge["score"]))
    return best


def visual(
    proposals: Proposals,
    seeds: Sequence[Bought],
    end: date,
    neighbours: Sequence[Mapping[str, Any]],
    facts: Mapping[str, Facts],
) -> None:
    """`neighbours`: SIMILAR rows {source, code, score}; `facts` must hold each neighbour."""
    by_code = {s.code: s for s in seeds}
    for row in neighbours:
        seed = by_code.get(row["source"])
        if seed is None or row["code"] == seed.code:
            continue
        own_group = seed.index_group if VISUAL_SAME_INDEX_GROUP else None
        if own_group is not None and facet(facts, row["code"], "indexGroup") != own_group:
            continue
        propose(proposals, Signal.VISUAL, row["code"], seed.recency(end) * row["score"], seed.code)


def facet(facts: Mapping[str, Facts], code: str, key: str) -> Any:
    """The number of a product's department, productType or indexGroup; None if unknown."""
    found = facts.get(code)
    row = None if found is None else found[key]  # type: ignore[literal-required]
    return None if row is None else row["number"]


def trending(proposals: Proposals, signal: Signal, best: Sequence[Mapping[str, Any]]) -> None:
    """`best`: best sellers {code, sold}, most sold first; values relative to the first."""
    if not best:
        return
    top = max(int(row["sold"]) for row in best)
    for row in best:
        propose(proposals, signal, row["code"], int(row["sold"]) / top, None)


def in_groups(
    proposals: Proposals, groups: Sequence[int], in_group: Mapping[int, Sequence[Mapping[str, Any]]]
) -> None:
    for group in groups:
        trending(proposals, Signal.TRENDING_IN_GROUP, in_group.get(group, ()))


def goes_with(
    source: str,
    facts: Mapping[str, Facts],
    edges: Sequence[Mapping[str, Any]],
    neighbours: Sequence[Mapping[str, Any]],
) -> Proposals:
    """Product.recommendations: co-purchased products of another product type than the source's
    (valued as for a customer's purchase made today) and its visual neighbours (by SIMILAR
    score); each reason's `because` is the source."""
    proposals: Proposals = {}

    def type_of(code: str) -> Any:
        return facet(facts, code, "productType")

    own_type = type_of(source)
    best = best_scores(edges)  # the best of every type, so "goes with" keeps their strength
    for edge in edges:
        code = edge["code"]
        if code == source or code not in facts:
            continue
        if own_type is not None and type_of(code) == own_type:
            continue
        propose(proposals, Signal.COPURCHASE, code, edge["score"] / (best[source] or 1.0), source)
    for row in neighbours:
        if row["code"] != source:
            propose(proposals, Signal.VISUAL, row["code"], row["score"], source)
    return proposals


def grouped(rows: Iterable[Mapping[str, Any]], key: str) -> dict[Any, list[Mapping[str, Any]]]:
    out: dict[Any, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out
