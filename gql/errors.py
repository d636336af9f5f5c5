"""The GraphQL error boundary: every error leaves with a stable `extensions.code`.

- FabricGqlError (fabric_gql.errors): its message and code, plus the shard when it names one.
- GraphQL syntax and validation errors: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED;
  a variable that does not fit its type: BAD_USER_INPUT.
- Anything else is a bug: logged with its traceback, sent as "Internal server error" with
  INTERNAL_SERVER_ERROR, and nothing of the cause (no Cypher, no stack trace) reaches the client.

`shaped` is the one function that gives an error its outgoing form; `log_error` the one that
decides what the server log keeps of it (every masked error and every shard error, with the
detail the client does not get).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from fabric_gql.errors import (
    INTERNAL_SERVER_ERROR,
    FabricGqlError,
    ShardQueryFailed,
    ShardUnavailable,
)

log = logging.getLogger("fabric_gql.graphql")


def is_shaped(error: GraphQLError) -> bool:
    return error.original_error is None and bool(error.extensions) and "code" in error.extensions


def shaped(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it; an error already shaped is returned as it is."""
    if is_shaped(error):
        return error
    original = error.original_error
    extensions: dict[str, Any]
    if isinstance(original, FabricGqlError):
        message = original.message
        extensions = {"code": original.code}
        if shard := getattr(original, "shard", None):
            extensions["shard"] = shard
    elif original is None:
        message = error.message
        syntax = message.startswith("Syntax Error")
        extensions = {"code": "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"}
    elif isinstance(original, GraphQLError):
        # graphql-core wraps a variable that does not coerce to its type.
        message, extensions = error.message, {"code": "BAD_USER_INPUT"}
    else:
        message, extensions = "Internal server error", {"code": INTERNAL_SERVER_ERROR}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def shape_all(errors: list[GraphQLError] | None) -> list[GraphQLError] | None:
    return None if errors is None else [shaped(error) for error in errors]


def log_error(error: GraphQLError) -> None:
    """What the client does not see goes to the log: the cause of every masked error and the
    driver's detail of every shard error. Expected client errors are the client's business."""
    original = error.original_error
    if isinstance(original, ShardUnavailable):
        log.warning("%s at %s: %s", original.message, error.path, original.detail)
    elif isinstance(original, ShardQueryFailed):
        log.error(
            "%s at %s (query %s): %s", original.message, error.path, original.query, original.detail
        )
    elif original is not None and not isinstance(original, FabricGqlError | GraphQLError):
        log.error("unexpected error at %s", error.path, exc_info=original)


def _shape_result(result: Any) -> None:
    if result is not None and getattr(result, "errors", None):
        result.errors = shape_all(result.errors)


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        _shape_result(self.execution_context.result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # Results sent over a WebSocket (subscriptions) leave before on_operation ends.
        _shape_result(result)
        yield
