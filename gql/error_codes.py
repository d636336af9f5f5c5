"""The GraphQL error boundary: every error leaves with a stable `extensions.code`.

- FabricGqlError (fabric_gql.errors): its message and code, plus the shard when it names one.
- GraphQL syntax and validation errors: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED;
  a variable that does not fit its type: BAD_USER_INPUT.
- Anything else is a bug: logged with its traceback, sent as "Internal server error" with
  INTERNAL_SERVER_ERROR, and nothing of the cause (no Cypher, no stack trace) reaches the client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext

from fabric_gql.errors import FabricGqlError, ShardUnavailable

log = logging.getLogger("fabric_gql.graphql")

INTERNAL = "INTERNAL_SERVER_ERROR"


def shaped(error: GraphQLError) -> GraphQLError:
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
        message, extensions = "Internal server error", {"code": INTERNAL}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def _shape_result(result: Any) -> None:
    errors = getattr(result, "errors", None)
    if result is not None and errors:
        # Each error is shaped once: a shaped error has its code and no original.
        result.errors = [
            error
            if error.original_error is None and error.extensions and "code" in error.extensions
            else shaped(error)
            for error in errors
        ]


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        _shape_result(self.execution_context.result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # Results sent over a WebSocket (subscriptions) leave before on_operation ends.
        _shape_result(result)
        yield


class Schema(strawberry.Schema):
    """Logs what the boundary masks; expected errors are the client's business, not the log's."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if isinstance(original, ShardUnavailable):
                log.warning("%s (at %s)", original.message, error.path)
            elif original is not None and not isinstance(original, FabricGqlError | GraphQLError):
                log.error("unexpected error at %s", error.path, exc_info=original)
