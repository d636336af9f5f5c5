"""A recommendation and its reasons (recs.model), shared by Customer.recommendations and
Product.recommendations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from recs import model
from recs.model import Facts

if TYPE_CHECKING:
    from gql.schema.product import Product

# Registered on the recs enums themselves, so fields annotate with model.Signal / Strategy.
strawberry.enum(
    model.Signal,
    description="What proposed a recommendation: REPURCHASE (bought it before), COPURCHASE "
    "(bought by other customers with a recent purchase), VISUAL (looks like a recent purchase), "
    "TRENDING (sold most in the week before asOf), TRENDING_IN_GROUP (the same in one of the "
    "customer's usual index groups).",
)
strawberry.enum(
    model.Strategy,
    name="RecommendationStrategy",
    description="BLEND: every signal, one score (the product). The others are baselines, each "
    "alone and padded with nothing: POPULAR (the week's best sellers), REPURCHASE_POPULAR (the "
    "customer's purchases, then POPULAR), COPURCHASE, VISUAL.",
)


@strawberry.type(description="One signal behind a recommendation.")
class Reason:
    signal: model.Signal
    contribution: float = strawberry.field(
        description="Its part of the score: the signal's weight times its value."
    )
    because: list[Annotated[Product, strawberry.lazy("gql.schema.product")]] = strawberry.field(
        description="The purchases that led to it, the strongest first (at most 3): for a "
        "customer their own purchases before asOf, for a product that product; empty for "
        "TRENDING and TRENDING_IN_GROUP."
    )


@strawberry.type(description="A recommended product, its score and why.")
class Recommendation:
    product: Annotated[Product, strawberry.lazy("gql.schema.product")]
    score: float = strawberry.field(description="The sum of its reasons' contributions.")
    reasons: list[Reason] = strawberry.field(description="Each signal that proposed it.")

    @classmethod
    def from_model(cls, found: model.Recommendation, facts: Mapping[str, Facts]) -> Self:
        from gql.schema.product import Product  # which imports this module

        def product(code: str) -> Product:
            return Product.from_row(facts[code]["product"])  # type: ignore[arg-type]

        reasons = [
            Reason(
                signal=reason.signal,
                contribution=reason.contribution,
                because=[product(code) for code in reason.because if code in facts],
            )
            for reason in found.reasons
        ]
        return cls(product=product(found.code), score=found.score, reasons=reasons)
