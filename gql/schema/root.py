"""The whole API surface: every root field and the resolver behind it."""

from __future__ import annotations

import strawberry

from gql.resolvers.department import department
from gql.resolvers.departments import departments
from gql.resolvers.product import product
from gql.resolvers.product_types import product_types
from gql.resolvers.products import products
from gql.resolvers.random_products import random_products
from gql.resolvers.similar_products import similar_products


@strawberry.type
class Query:
    product = strawberry.field(resolver=product, description="A product by code; null if none.")
    products = strawberry.field(
        resolver=products, description="Products matching the filter, in code order."
    )
    departments = strawberry.field(resolver=departments, description="All departments.")
    department = strawberry.field(resolver=department, description="A department by number.")
    product_types = strawberry.field(resolver=product_types, description="All product types.")
    random_products = strawberry.field(
        resolver=random_products,
        description="A pseudo-random sample; the same seed gives the same products.",
    )
    similar_products = strawberry.field(
        resolver=similar_products,
        description="The products most similar to one product by image (see Product.similar).",
    )
