from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from cypher.shards import Shard
from fabric_gql.errors import NotFound
from gql import arguments
from gql.context import Info
from gql.schema.product import Product
from gql.uploads import embed_upload


async def embed_image(info: Info, code: strawberry.ID, image: Upload) -> Product:
    code = strawberry.ID(arguments.product_code(code))
    row = await info.context.loaders.product.load(code)
    if row is None:
        raise NotFound(f"no product with code {code}")
    vector, model = await embed_upload(info, image)
    rows = [{"code": code, "vector": vector.tolist()}]
    written = await info.context.background.shards.write(
        Shard.PRODUCTS, "embed_write", rows=rows, model=model.model_id
    )
    if not written or written[0]["written"] == 0:
        raise NotFound(f"product {code} is not on the products shard (load the catalogue)")
    return Product.from_row(row)
