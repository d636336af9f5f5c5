from __future__ import annotations

from strawberry.file_uploads import Upload

from gql import arguments
from gql.context import Info
from gql.schema.similarity import Similarity
from gql.uploads import embed_upload


async def search_by_image(info: Info, image: Upload, top_k: int | None = 10) -> list[Similarity]:
    top_k = arguments.in_range("topK", top_k, 1, info.context.settings.max_top_k, 10)
    vector, model = await embed_upload(info, image)
    rows = await info.context.loaders.search_by_image(vector.tolist(), model.model_id, top_k)
    return [Similarity.from_row(row) for row in rows]
