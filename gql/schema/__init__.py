"""The GraphQL schema: one module per type, the root types in `root`.

`python -m gql.schema` prints the SDL committed as gql/schema.graphql.
"""

from __future__ import annotations

from strawberry.extensions import AddValidationRules, ParserCache, ValidationCache
from strawberry.extensions.query_depth_limiter import create_validator

from fabric_gql.settings import Settings
from gql.error_codes import ErrorCodes, Schema
from gql.schema.root import Mutation, Query, Subscription


def build_schema(settings: Settings) -> Schema:
    size = settings.graphql_cache_size
    # One rule class for the schema's life: the validation cache keys on the rule classes, and
    # QueryDepthLimiter would make a new class per request (a miss every time).
    depth_rule = create_validator(settings.graphql_max_depth, None)
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            # Parsing and validating a document cost more than a local Cypher round trip;
            # clients send the same few documents, so both are cached (LRU, bounded).
            lambda: ParserCache(maxsize=size),
            lambda: ValidationCache(maxsize=size),
            lambda: AddValidationRules([depth_rule]),
            ErrorCodes,
        ],
    )
