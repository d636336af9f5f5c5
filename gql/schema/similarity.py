from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

if TYPE_CHECKING:
    from gql.schema.product import Product


@strawberry.type(description="A visually similar product: cosine similarity of image embeddings.")
class Similarity:
    product: Annotated[Product, strawberry.lazy("gql.schema.product")]
    score: float = strawberry.field(description="Cosine similarity, higher is closer.")
    rank: int = strawberry.field(description="1 for the closest in this list, then 2, 3, ...")
