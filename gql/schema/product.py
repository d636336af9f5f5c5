from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from gql import arguments
from gql.context import Info
from gql.loaders import ProductRow, SimilarArgs, resolve
from gql.schema.categories import (
    ColourGroup,
    GarmentGroup,
    GraphicalAppearance,
    Index,
    IndexGroup,
    PerceivedColourMaster,
    PerceivedColourValue,
    Section,
)
from gql.schema.copurchase import CoPurchase
from gql.schema.department import Department
from gql.schema.product_type import ProductType
from gql.schema.similarity import Similarity

if TYPE_CHECKING:
    from gql.schema.recommendation import Recommendation


async def similar(
    info: Info,
    code: str,
    top_k: int | None,
    same_department: bool | None,
    min_score: float | None,
) -> list[Similarity]:
    """Shared by `Product.similar` and `Query.similarProducts`: one loader, one code path."""
    top_k = arguments.in_range("topK", top_k, 1, info.context.settings.max_top_k, 10)
    args = SimilarArgs(top_k, bool(same_department), min_score)
    rows = await info.context.loaders.similar(args).load(code)
    return [Similarity.from_row(row) for row in rows]


@strawberry.type(
    description="An H&M article. Its attributes live on the transactions shard; "
    "`hasEmbedding`, `model`, `embeddedAt` and `similar` come from the products shard and "
    "are null (with a SHARD_UNAVAILABLE error) when that shard does not answer."
)
class Product:
    # `# type: ignore[untyped-decorator]`: strawberry types `field(...)` with arguments as
    # returning Any (strawberry-graphql issue #1929); the bare `@strawberry.field` is typed.
    code: strawberry.ID = strawberry.field(
        description="The article id: 10 characters with its leading zero, e.g. 0108775015."
    )
    name: str | None
    product_code: str | None = strawberry.field(description="The 7-digit product (style) code.")
    description: str | None
    has_image: bool

    @classmethod
    def from_row(cls, row: ProductRow) -> Self:
        return cls(
            code=strawberry.ID(row["code"]),
            name=row["name"],
            product_code=row["productCode"],
            description=row["description"],
            has_image=bool(row["hasImage"]),
        )

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Where GET /images/{code} serves the photo; null without one."
    )
    def image_url(self, info: Info) -> str | None:
        if not self.has_image:
            return None
        return str(info.context.request.url_for("image", code=self.code))

    @strawberry.field
    def department(self, info: Info) -> Department | None:
        return resolve(info.context.loaders.product_department, self.code, Department.from_row)

    @strawberry.field
    def product_type(self, info: Info) -> ProductType | None:
        return resolve(info.context.loaders.product_product_type, self.code, ProductType.from_row)

    @strawberry.field
    def section(self, info: Info) -> Section | None:
        return resolve(info.context.loaders.product_section, self.code, Section.from_row)

    @strawberry.field
    def index(self, info: Info) -> Index | None:
        return resolve(info.context.loaders.product_index, self.code, Index.from_row)

    @strawberry.field
    def index_group(self, info: Info) -> IndexGroup | None:
        return resolve(info.context.loaders.product_index_group, self.code, IndexGroup.from_row)

    @strawberry.field
    def garment_group(self, info: Info) -> GarmentGroup | None:
        return resolve(info.context.loaders.product_garment_group, self.code, GarmentGroup.from_row)

    @strawberry.field
    def graphical_appearance(self, info: Info) -> GraphicalAppearance | None:
        loader = info.context.loaders.product_graphical_appearance
        return resolve(loader, self.code, GraphicalAppearance.from_row)

    @strawberry.field(description="The colour group.")  # type: ignore[untyped-decorator]
    def colour(self, info: Info) -> ColourGroup | None:
        return resolve(info.context.loaders.product_colour, self.code, ColourGroup.from_row)

    @strawberry.field
    def perceived_colour_value(self, info: Info) -> PerceivedColourValue | None:
        loader = info.context.loaders.product_perceived_colour_value
        return resolve(loader, self.code, PerceivedColourValue.from_row)

    @strawberry.field
    def perceived_colour_master(self, info: Info) -> PerceivedColourMaster | None:
        loader = info.context.loaders.product_perceived_colour_master
        return resolve(loader, self.code, PerceivedColourMaster.from_row)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Whether the products shard holds an image embedding for it "
        "(no image, no embedding)."
    )
    async def has_embedding(self, info: Info) -> bool | None:
        embedding = await info.context.loaders.product_embedding.load(self.code)
        return bool(embedding and embedding["hasEmbedding"])

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The model that made its embedding, e.g. resnet50v2/imagenet; "
        "resnet50v2/none-seed0 means random weights (tests, offline use), not a trained model. "
        "Null without an embedding."
    )
    async def model(self, info: Info) -> str | None:
        embedding = await info.context.loaders.product_embedding.load(self.code)
        return embedding["model"] if embedding else None

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="When its embedding was written; null without one."
    )
    async def embedded_at(self, info: Info) -> datetime | None:
        embedding = await info.context.loaders.product_embedding.load(self.code)
        when = embedding["embeddedAt"] if embedding else None
        return None if when is None else when.to_native()

    @strawberry.field(  # type: ignore[untyped-decorator]
        name="similar",
        description="The most similar products by image, best first. sameDepartment keeps only "
        "products of this product's department, ranked by score and never padded with others "
        "(fewer than topK when fewer exist). topK is 1..100.",
    )
    async def similar_products(
        self,
        info: Info,
        top_k: int | None = 10,
        same_department: bool | None = False,
        min_score: float | None = None,
    ) -> list[Similarity] | None:
        return await similar(info, self.code, top_k, same_department, min_score)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="How many purchases (transaction rows) it has."
    )
    async def purchase_count(self, info: Info) -> int:
        return await info.context.loaders.product_purchase_count.load(self.code)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The products most often bought by customers who bought this one, from the "
        "current co-purchase computation (recomputeCoPurchases; `fabric-gql load` runs one): "
        "ranked by how many of them bought both, then score, then code. At most the computed "
        "topN (50 by default); empty before any computation."
    )
    async def also_bought(self, info: Info, first: int | None = 10) -> list[Product]:
        first = arguments.in_range("first", first, 0, info.context.settings.max_page_size, 10)
        rows = await info.context.loaders.bought_with(first).load(self.code)
        return [Product.from_row(row["product"]) for row in rows]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="alsoBought with the counts: each co-purchased product with its shared "
        "buyers and score, best first."
    )
    async def bought_with(self, info: Info, first: int | None = 10) -> list[CoPurchase]:
        first = arguments.in_range("first", first, 0, info.context.settings.max_page_size, 10)
        rows = await info.context.loaders.bought_with(first).load(self.code)
        return [CoPurchase.from_row(row) for row in rows]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description='"Goes with" it, for a product page: products bought with it of other '
        "product types (COPURCHASE) merged with its visual neighbours (VISUAL), best first, "
        "each reason's `because` this product. first is 0..100."
    )
    async def recommendations(
        self, info: Info, first: int | None = 12
    ) -> list[Annotated[Recommendation, strawberry.lazy("gql.schema.recommendation")]]:
        from gql.schema.recommendation import Recommendation  # which imports this module

        first = arguments.in_range("first", first, 0, info.context.settings.max_page_size, 12)
        found, facts = await info.context.loaders.goes_with(first).load(self.code)
        return [Recommendation.from_model(r, facts) for r in found]
