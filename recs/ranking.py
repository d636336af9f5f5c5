"""The one ranking: every strategy is an order over the same proposals, scored the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from recs.model import Facts, Filters, Reason, Recommendation, Signal, Strategy
from recs.signals import WEIGHTS, Proposals

# Each strategy's tiers, in order: a product ranks in the first tier one of its signals is in,
# then by score. BLEND is one tier of every signal; the baselines use their signals alone.
TIERS: Mapping[Strategy, tuple[frozenset[Signal], ...]] = {
    Strategy.BLEND: (frozenset(Signal),),
    Strategy.POPULAR: (frozenset({Signal.TRENDING}),),
    Strategy.REPURCHASE_POPULAR: (frozenset({Signal.REPURCHASE}), frozenset({Signal.TRENDING})),
    Strategy.COPURCHASE: (frozenset({Signal.COPURCHASE}),),
    Strategy.VISUAL: (frozenset({Signal.VISUAL}),),
}


NO_FILTERS = Filters()


def signals_of(strategy: Strategy) -> frozenset[Signal]:
    return frozenset().union(*TIERS[strategy])


def rank(
    proposals: Proposals,
    facts: Mapping[str, Facts],
    *,
    strategy: Strategy,
    first: int,
    filters: Filters = NO_FILTERS,
    exclude: Collection[str] = (),
    max_per_product_type: int | None = None,
) -> list[Recommendation]:
    tiers = TIERS[strategy]
    used = signals_of(strategy)
    ranked: list[tuple[int, Recommendation]] = []
    for code, by_signal in proposals.items():
        found = facts.get(code)
        if found is None or code in exclude or not filters.admit(found):
            continue
        reasons = [
            Reason(signal, WEIGHTS[signal] * proposal.value, proposal.named())
            for signal, proposal in by_signal.items()
            if signal in used and proposal.value > 0
        ]
        if not reasons:
            continue
        reasons.sort(key=lambda r: (-r.contribution, r.signal.value))
        signals = {r.signal for r in reasons}
        tier = next(i for i, members in enumerate(tiers) if members & signals)
        score = sum(r.contribution for r in reasons)
        ranked.append((tier, Recommendation(code, score, reasons)))
    ranked.sort(key=lambda tr: (tr[0], -tr[1].score, tr[1].code))
    return capped([r for _, r in ranked], facts, first, max_per_product_type)


def capped(
    ranked: Sequence[Recommendation],
    facts: Mapping[str, Facts],
    first: int,
    per_type: int | None,
) -> list[Recommendation]:
    """The first `first`, at most `per_type` of each product type (a product without one is a
    type of its own kind, capped the same)."""
    taken: list[Recommendation] = []
    counts: Counter[Any] = Counter()
    for recommendation in ranked:
        if len(taken) == first:
            break
        product_type = facts[recommendation.code]["productType"]
        key = None if product_type is None else product_type["number"]
        if per_type is not None and counts[key] >= per_type:
            continue
        counts[key] += 1
        taken.append(recommendation)
    return taken
