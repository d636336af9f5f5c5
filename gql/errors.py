"""The GraphQL error boundary: every error leaves with a stable `extensions.code`.

- FabricGqlError (fabric_gql.errors): its message and code, plus the shard when it names one.
- GraphQL syntax and validation errors: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED;
  a variable that does not fit its type: BAD_USER_INPUT; a document past the token limit (the
  parser's own error): QUERY_TOO_COMPLEX, as the other size limits (gql.limits).
- Anything else is a bug: logged with its traceback, sent as "Internal server error" with
  INTERNAL_SERVER_ERROR, and nothing of the cause (no Cypher, no stack trace) reaches the client.

`shaped` is the one function that gives an error its outgoing form (with `extensions.requestId`,
the request's id: gql.request_id) and counts it by code (fabric_gql_errors_total); `log_error`
the one that decides what the server log keeps of it (every masked error and every shard
error, with the detail the client does not get; each log line carries the same request id).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from prometheus_client import Counter
from strawberry.extensions import SchemaExtension

from fabric_gql.errors import (
    INTERNAL_SERVER_ERROR,
    FabricGqlError,
    QueryTooComplex,
    ShardQueryFailed,
    ShardUnavailable,
    Timeout,
)
from gql import request_id as request_ids

log = logging.getLogger("fabric_gql.graphql")
ERRORS = Counter("fabric_gql_errors", "GraphQL errors sent, by extensions.code.", ["code"])
# graphql-core's words when parsing stops at `max_tokens` (Strawberry's MaxTokensLimiter).
TOO_MANY_TOKENS = re.compile(r"^Syntax Error: Document contains more than (\d+) tokens\.")


def is_shaped(error: GraphQLError) -> bool:
    extensions = error.extensions
    return error.original_error is None and extensions is not None and "code" in extensions


def shaped(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it, with the request's id; an error already shaped and
    stamped is returned as it is."""
    if is_shaped(error):
        return _stamped(error)
    original = error.original_error
    extensions: dict[str, Any]
    if original is None and (tokens := TOO_MANY_TOKENS.match(error.message)):
        maximum = int(tokens[1])
        original = QueryTooComplex("tokens", maximum + 1, maximum)
    if isinstance(original, FabricGqlError):
        message = original.message
        extensions = {"code": original.code, **original.extensions}
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
    return _stamped(_copy(error, message, extensions))


def _copy(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def _stamped(error: GraphQLError) -> GraphQLError:
    """Counted by code and given `requestId`, once: the view shapes again what the schema's
    extension already shaped. A copy, never changed in place (limit errors may be cached)."""
    extensions = error.extensions or {}
    if "requestId" in extensions:
        return error
    ERRORS.labels(str(extensions.get("code"))).inc()
    request_id = request_ids.current()
    if request_id is None:  # outside a request (a test executing the schema directly)
        return error
    return _copy(error, error.message, {**extensions, "requestId": request_id})


def shape_all(errors: list[GraphQLError] | None) -> list[GraphQLError] | None:
    return None if errors is None else [shaped(error) for error in errors]


def log_error(error: GraphQLError) -> None:
    """What the client does not see goes to the log: the cause of every masked error and the
    driver's detail of every shard error, in one record with the request's id (`request_id`,
    as in the error's `extensions.requestId`). Expected client errors are the client's
    business."""
    original = error.original_error
    extra = {"request_id": request_ids.current()}
    if isinstance(original, ShardUnavailable):
        log.warning("%s at %s: %s", original.message, error.path, original.detail, extra=extra)
    elif isinstance(original, Timeout):
        query = f" (query {original.query})" if original.query else ""
        log.warning(
            "%s at %s%s: %s", original.message, error.path, query, original.detail, extra=extra
        )
    elif isinstance(original, ShardQueryFailed):
        log.error(
            "%s at %s (query %s): %s", original.message, error.path, original.query,
            original.detail, extra=extra,
        )  # fmt: skip
    elif original is not None and not isinstance(original, FabricGqlError | GraphQLError):
        log.error("unexpected error at %s", error.path, exc_info=original, extra=extra)


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
