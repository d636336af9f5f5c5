"""The whole API surface: every root field and the resolver behind it, assembled into the schema.

This module sits above the types (`gql.schema`) and resolvers (`gql.resolvers`) it puts together.
`python -m gql.api` prints the SDL committed as gql/schema.graphql.
"""

from __future__ import annotations

import re

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
)
from strawberry.extensions.query_depth_limiter import create_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.types.execution import ExecutionContext

from fabric_gql.settings import Settings
from gql.auth import BearerToken
from gql.errors import ErrorCodes, log_error
from gql.limits import CostLimit, Deadline, DocumentChecks, Validation
from gql.metrics import OperationMetrics
from gql.resolvers.cancel_job import cancel_job
from gql.resolvers.customer import customer
from gql.resolvers.customers import customers
from gql.resolvers.department import department
from gql.resolvers.departments import departments
from gql.resolvers.embed_image import embed_image
from gql.resolvers.embed_images import embed_images
from gql.resolvers.job import job
from gql.resolvers.job_progress import job_progress
from gql.resolvers.jobs import jobs
from gql.resolvers.product import product
from gql.resolvers.product_types import product_types
from gql.resolvers.products import products
from gql.resolvers.random_products import random_products
from gql.resolvers.recompute_copurchases import recompute_copurchases
from gql.resolvers.recompute_similarities import recompute_similarities
from gql.resolvers.search_by_image import search_by_image
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
    search_by_image = strawberry.field(
        resolver=search_by_image,
        description="The products nearest to an uploaded photo (multipart request), by the "
        "same model's embeddings and the vector index; scores are cosine, as in `similar`. "
        "topK is 1..100. A file the model cannot use fails with NOT_AN_IMAGE, CORRUPT_IMAGE "
        "or IMAGE_TOO_LARGE.",
    )
    customer = strawberry.field(resolver=customer, description="A customer by id; null if none.")
    customers = strawberry.field(
        resolver=customers,
        description="Customers in id order; idPrefix keeps those whose id starts with it.",
    )
    job = strawberry.field(resolver=job, description="A job by id; null if none.")
    jobs = strawberry.field(resolver=jobs, description="The 50 most recent jobs, newest first.")


# Every mutation needs `Authorization: Bearer <token>` when FABRIC_GQL_API_TOKEN is set, and is
# refused without one in the production profile (gql.auth).
@strawberry.type
class Mutation:
    embed_images = strawberry.mutation(
        resolver=embed_images,
        permission_classes=[BearerToken],
        description="Starts a job embedding product images: those of `codes`, or every product "
        "with an image; with onlyMissing those already embedded by this model are skipped. "
        "JOB_CONFLICT while another embedding job runs.",
    )
    embed_image = strawberry.mutation(
        resolver=embed_image,
        permission_classes=[BearerToken],
        description="Embeds an uploaded photo (multipart request) as the product's image "
        "embedding. NOT_FOUND for an unknown code; NOT_AN_IMAGE, CORRUPT_IMAGE or "
        "IMAGE_TOO_LARGE for a file the model cannot use.",
    )
    recompute_similarities = strawberry.mutation(
        resolver=recompute_similarities,
        permission_classes=[BearerToken],
        description="Starts a job recomputing every product's top K neighbours by cosine (topK "
        "1..100, similarityCutoff -1..1); readers keep the previous lists until the new ones "
        "are complete. JOB_CONFLICT while another recompute runs.",
    )
    recompute_co_purchases = strawberry.mutation(
        resolver=recompute_copurchases,
        permission_classes=[BearerToken],
        description="Starts a job recomputing every product's top N co-purchased products "
        "(topN 1..100; weeks: only purchases in the last `weeks` weeks up to the newest one) "
        "that alsoBought and boughtWith read; readers keep the previous lists until the new "
        "ones are complete. JOB_CONFLICT while another co-purchase job runs.",
    )
    cancel_job = strawberry.mutation(
        resolver=cancel_job,
        permission_classes=[BearerToken],
        description="Stops a running job (between batches; one that another API process runs, "
        "at its next heartbeat) and returns it; a finished job is returned as it is.",
    )


@strawberry.type
class Subscription:
    # At a WebSocket's connection_init already; this covers other transports.
    job_progress = strawberry.subscription(
        resolver=job_progress,
        permission_classes=[BearerToken],
        description="The job now, then each change until it finishes (graphql-transport-ws).",
    )


# graphql-core's suggestions, on unknown fields, arguments, types and enum values alike.
SUGGESTION = re.compile(r"\s*Did you mean .*\?$")


class Schema(strawberry.Schema):
    @staticmethod
    def remove_field_suggestion(error: GraphQLError) -> None:
        # Strawberry's own (with disable_field_suggestions) strips unknown fields' only.
        error.message = SUGGESTION.sub("", error.message)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            log_error(error)


def build_schema(settings: Settings) -> Schema:
    size = settings.graphql_cache_size
    # One rule class for the schema's life: the validation cache keys on the rule classes, and
    # QueryDepthLimiter would make a new class per request (a miss every time).
    depth_rule = create_validator(settings.graphql_max_depth, None)
    checks = DocumentChecks(settings)  # one cache of checked documents, like the rule
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(disable_field_suggestions=not settings.field_suggestions),
        extensions=[
            OperationMetrics,  # first: its time covers the others' work
            # Size limits and the deadline: see gql.limits.
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            # Parsing and validating a document cost more than a local Cypher round trip;
            # clients send the same few documents, so both are cached (LRU, bounded).
            lambda: ParserCache(maxsize=size),
            lambda: Validation(checks),  # the cache, after the alias and directive limits
            lambda: AddValidationRules([depth_rule]),
            *([] if settings.introspection else [DisableIntrospection]),
            lambda: CostLimit(settings),
            lambda: Deadline(settings),
            ErrorCodes,
        ],
    )


if __name__ == "__main__":
    from fabric_gql.settings import get_settings

    print(build_schema(get_settings()).as_str())
