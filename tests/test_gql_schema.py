"""The committed contract and the per-request context, without the shards."""

from __future__ import annotations

from pathlib import Path

from strawberry.dataloader import DataLoader

from cypher.federation import DirectFederation
from cypher.shards import AsyncShards
from fabric_gql.settings import Settings
from gql.api import build_schema
from gql.context import Context
from gql.loaders import Loaders, SimilarArgs

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "gql" / "schema.graphql"


def test_committed_schema_equals_live_schema(settings: Settings) -> None:
    live = build_schema(settings).as_str() + "\n"
    assert SCHEMA_FILE.read_text() == live, (
        "gql/schema.graphql is stale: run `.venv/bin/python -m gql.api > gql/schema.graphql`"
    )


def test_contract_names_are_in_the_schema(settings: Settings) -> None:
    sdl = build_schema(settings).as_str()
    for line in (
        "product(code: ID!): Product",
        "products(filter: ProductFilter = null, first: Int = 20, after: String = null): "
        "ProductConnection!",
        "departments: [Department!]!",
        "department(number: Int!): Department",
        "productTypes: [ProductType!]!",
        "randomProducts(count: Int = 20, seed: Int = null): [Product!]!",
        "similarProducts(code: ID!, topK: Int = 10, sameDepartment: Boolean = false, "
        "minScore: Float = null): [Similarity!]!",
        "similar(topK: Int = 10, sameDepartment: Boolean = false, minScore: Float = null): "
        "[Similarity!]",
        "alsoBought(first: Int = 10): [Product!]!",
        "products(first: Int = 20, after: String = null): ProductConnection!",
        "hasImage: Boolean!",
        "purchaseCount: Int!",
        "totalCount: Int!",
    ):
        assert line in sdl


async def test_context_carries_fresh_loaders_for_each_request(settings: Settings) -> None:
    federation = DirectFederation(AsyncShards(settings), 1.0)
    try:
        first = Context(None, None, settings, federation, None)  # type: ignore[arg-type]
        second = Context(None, None, settings, federation, None)  # type: ignore[arg-type]
        assert isinstance(first.loaders, Loaders)
        assert first.loaders is not second.loaders
        loaders = vars(first.loaders)
        relationship_loaders = [v for v in loaders.values() if isinstance(v, DataLoader)]
        assert len(relationship_loaders) >= 15
        args = SimilarArgs(10, False, None)
        assert first.loaders.similar(args) is first.loaders.similar(args)
        assert first.loaders.similar(args) is not first.loaders.similar(SimilarArgs(5, False, None))
    finally:
        await federation.close()


async def test_the_parser_cache_serves_a_repeated_document(settings: Settings) -> None:
    # The validation half is in test_gql_limits (validation runs after the size checks there).
    from strawberry.extensions.parser_cache import _get_parse_cache

    schema = build_schema(settings)
    parse = _get_parse_cache(settings.graphql_cache_size)
    document = "query CacheProbe { __typename }"
    await schema.execute(document)
    parse_hits = parse.cache_info().hits  # type: ignore[attr-defined]
    result = await schema.execute(document)
    assert result.data == {"__typename": "Query"}
    assert parse.cache_info().hits == parse_hits + 1  # type: ignore[attr-defined]


async def test_selections_deeper_than_the_limit_are_refused(settings: Settings) -> None:
    schema = build_schema(settings)
    nested = "similar { product { " * 6 + "code" + " } }" * 6
    result = await schema.execute("{ products { edges { node { " + nested + " } } } }")
    assert result.errors
    assert result.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "maximum operation depth" in result.errors[0].message
