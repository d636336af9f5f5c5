from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from gql.loaders import SimilarityRow

if TYPE_CHECKING:
    from gql.schema.product import Product


@strawberry.type(description="A visually similar product: cosine similarity of image embeddings.")
class Similarity:
    product: Annotated[Product, strawberry.lazy("gql.schema.product")]
    score: float = strawberry.field(description="Cosine similarity, higher is closer.")
    rank: int = strawberry.field(description="1 for the closest in this list, then 2, 3, ...")

    @classmethod
    def from_row(cls, row: SimilarityRow) -> Self:
        from gql.schema.product import Product  # which imports this module

        return cls(product=Product.from_row(row["product"]), score=row["score"], rank=row["rank"])
