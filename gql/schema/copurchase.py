from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from gql.loaders import CoPurchaseRow

if TYPE_CHECKING:
    from gql.schema.product import Product


@strawberry.type(
    description="A product bought by the same customers, from the current co-purchase "
    "computation (recomputeCoPurchases)."
)
class CoPurchase:
    product: Annotated[Product, strawberry.lazy("gql.schema.product")]
    shared: int = strawberry.field(description="How many distinct customers bought both.")
    score: float = strawberry.field(
        description="shared / sqrt(buyers of one x buyers of the other): 1 when the same "
        "customers bought both."
    )

    @classmethod
    def from_row(cls, row: CoPurchaseRow) -> Self:
        from gql.schema.product import Product  # which imports this module

        return cls(
            product=Product.from_row(row["product"]), shared=row["shared"], score=row["score"]
        )
