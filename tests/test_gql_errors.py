"""The error boundary: every error class has its stable code; the unexpected is masked."""

from __future__ import annotations

import pytest
from graphql import GraphQLError, GraphQLSyntaxError, parse

from fabric_gql import errors
from gql.errors import shaped


@pytest.mark.parametrize(
    "error",
    [
        errors.ShardUnavailable("products", "ServiceUnavailable"),
        errors.ShardQueryFailed("transactions", "Neo.ClientError.Statement.SyntaxError MATCH (n)"),
        errors.InvalidArgument("topK must be between 1 and 100, got 0"),
        errors.Unauthorized("a token is required"),
        errors.JobConflict("an embedding job is running"),
        errors.NotFound("no job 42"),
        errors.ImageRejected("CORRUPT_IMAGE", "the upload is not a usable image: truncated"),
        errors.QueryTooComplex("cost", 202_020_201, 50_000),
        errors.Timeout("the request did not finish within 30 s"),
        errors.Timeout("the products shard stopped the query", "TimedOut", "products", "similar"),
    ],
)
def test_project_errors_keep_their_message_and_code(error: errors.FabricGqlError) -> None:
    result = shaped(GraphQLError("ignored", original_error=error, path=["field"]))
    assert result.message == error.message
    assert result.extensions is not None
    assert result.extensions["code"] == error.code
    assert result.path == ["field"]
    shard = getattr(error, "shard", None)
    if isinstance(error, errors.ShardUnavailable | errors.ShardQueryFailed):
        assert result.extensions["shard"] == shard
    assert "MATCH" not in result.message
    expected = {"code": error.code, **error.extensions} | ({"shard": shard} if shard else {})
    assert result.extensions == expected


def test_a_refused_document_says_which_limit_its_measure_and_the_maximum() -> None:
    error = errors.QueryTooComplex("aliases", 101, 15)
    result = shaped(GraphQLError("ignored", original_error=error))
    assert result.extensions == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "aliases",
        "value": 101,
        "maximum": 15,
    }


def test_the_parsers_token_limit_is_a_size_limit_and_other_syntax_errors_are_not() -> None:
    with pytest.raises(GraphQLSyntaxError) as too_long:
        parse("{ a b c d }", max_tokens=3)
    extensions = shaped(too_long.value).extensions
    assert extensions == {"code": "QUERY_TOO_COMPLEX", "limit": "tokens", "value": 4, "maximum": 3}
    with pytest.raises(GraphQLSyntaxError) as broken:
        parse("{ a b c d ", max_tokens=30)
    assert shaped(broken.value).extensions == {"code": "GRAPHQL_PARSE_FAILED"}


def test_every_project_error_class_has_its_own_code() -> None:
    classes = errors.FabricGqlError.__subclasses__()
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert errors.INTERNAL_SERVER_ERROR not in codes


def test_unexpected_errors_are_masked() -> None:
    cause = RuntimeError("MATCH (p:Product) secret detail at /srv/app.py line 12")
    result = shaped(GraphQLError(str(cause), original_error=cause, path=["product"]))
    assert result.message == "Internal server error"
    assert result.extensions == {"code": errors.INTERNAL_SERVER_ERROR}
    assert result.original_error is None
    assert "MATCH" not in str(result.formatted)
