from __future__ import annotations

from strawberry.file_uploads import Upload

from cypher.federation import SEARCH_BY_IMAGE
from gql import arguments
from gql.context import Info
from gql.loaders import ranked
from gql.schema.product import Product
from gql.schema.similarity import Similarity
from gql.uploads import embed_upload


async def search_by_image(info: Info, image: Upload, top_k: int | None = 10) -> list[Similarity]:
    top_k = arguments.in_range("topK", top_k, 1, info.context.settings.max_top_k, 10)
    vector, model = await embed_upload(info, image)
    rows = await info.context.federation.read_across(
        SEARCH_BY_IMAGE,
        k=top_k,
        vector=vector.tolist(),
        model=model.model_id,
        sameDepartment=False,
    )
    info.context.loaders.prime_details(rows)
    return [
        Similarity(product=Product.from_row(row["product"]), score=row["score"], rank=row["rank"])
        for row in ranked(rows, top_k)
    ]
