"""Every error the project raises on purpose, and the one place driver errors are translated.

    FabricGqlError                     code
    ├── ShardUnavailable               SHARD_UNAVAILABLE    a shard did not answer
    ├── ShardQueryFailed               SHARD_QUERY_FAILED   a shard answered with an error
    ├── InvalidArgument                BAD_USER_INPUT       an argument outside its range
    ├── Unauthorized                   UNAUTHENTICATED      a mutation without the bearer token
    ├── JobConflict                    JOB_CONFLICT         a job of that kind is running
    ├── NotFound                       NOT_FOUND            nothing has that id
    ├── QueryTooComplex                QUERY_TOO_COMPLEX    a document over a size limit (cost,
    │                                                       aliases, directives, tokens)
    ├── Timeout                        TIMEOUT              the request ran past its deadline, or
    │                                                       a shard stopped its transaction at
    │                                                       the transaction's time limit
    └── ImageRejected                  (the image's code)   an upload the embedder cannot use:
                                       NOT_AN_IMAGE, CORRUPT_IMAGE, IMAGE_TOO_LARGE (see
                                       embedding.errors)

`message` is what a client may read; `detail` (the driver's words: addresses, Cypher, server
codes) is for the log only, and `str()` of an error shows both, for the command line.

`extensions` are the fields an error adds to its GraphQL `extensions` beside `code`.

`driver_errors(where)` is the one translation of driver errors: a transaction the server stopped
at its time limit is a Timeout (by the server's code, TIMED_OUT), anything else goes by class
(see DRIVER_ERRORS, first match wins). A driver error that means the client itself was misused
(`ResultNotSingleError`, `ConfigurationError`, a transaction used after it closed, ...) is a
bug: it passes through unchanged, to be masked as INTERNAL_SERVER_ERROR and logged at the
GraphQL boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import neo4j.exceptions as nx

# The code of everything the boundary masks.
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class FabricGqlError(Exception):
    code = INTERNAL_SERVER_ERROR

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message

    @property
    def extensions(self) -> dict[str, Any]:
        return {}


class ShardUnavailable(FabricGqlError):
    code = "SHARD_UNAVAILABLE"

    def __init__(self, shard: str, detail: str = "") -> None:
        super().__init__(f"the {shard} shard is unavailable", detail)
        self.shard = shard


class ShardQueryFailed(FabricGqlError):
    code = "SHARD_QUERY_FAILED"

    def __init__(self, shard: str, detail: str = "", query: str | None = None) -> None:
        super().__init__(f"the {shard} shard could not answer the query", detail)
        self.shard = shard
        self.query = query


class InvalidArgument(FabricGqlError):
    code = "BAD_USER_INPUT"


class Unauthorized(FabricGqlError):
    code = "UNAUTHENTICATED"


class JobConflict(FabricGqlError):
    code = "JOB_CONFLICT"


class NotFound(FabricGqlError):
    code = "NOT_FOUND"


class QueryTooComplex(FabricGqlError):
    """`limit` names the limit (cost, aliases, directives, tokens), `value` is the document's
    measure of it and `maximum` the configured limit; all three go to the client."""

    code = "QUERY_TOO_COMPLEX"

    def __init__(self, limit: str, value: int, maximum: int) -> None:
        super().__init__(f"the document is over the {limit} limit: {value}, at most {maximum}")
        self.limit = limit
        self.value = value
        self.maximum = maximum

    @property
    def extensions(self) -> dict[str, Any]:
        return {"limit": self.limit, "value": self.value, "maximum": self.maximum}


class Timeout(FabricGqlError):
    """`shard` and `query` are set when a shard stopped the transaction (the query for the log)."""

    code = "TIMEOUT"

    def __init__(
        self, message: str, detail: str = "", shard: str | None = None, query: str | None = None
    ) -> None:
        super().__init__(message, detail)
        self.shard = shard
        self.query = query


class ImageRejected(FabricGqlError):
    """Carries the stable code of the `embedding.errors.ImageError` that rejected the upload."""

    code = "IMAGE_REJECTED"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# The server's codes for a transaction it stopped at its timeout (ours: the request's deadline,
# or the server's own `db.transaction.timeout`). Both are ClientErrors, so the driver does not
# retry them.
TIMED_OUT = frozenset(
    {
        "Neo.ClientError.Transaction.TransactionTimedOut",
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
    }
)

# Driver exception class -> our class, or None for a bug (passes through). First match wins, so
# subclasses come before their bases.
Translation = type[ShardUnavailable] | type[ShardQueryFailed] | None
DRIVER_ERRORS: tuple[tuple[type[Exception], Translation], ...] = (
    # Nobody answered, or the answer cannot be trusted to come: the shard is unavailable.
    (nx.ServiceUnavailable, ShardUnavailable),  # with Read/Write/Routing…, IncompleteCommit
    (nx.SessionExpired, ShardUnavailable),
    (nx.ConnectionPoolError, ShardUnavailable),  # no connection free in time
    (nx.UnsupportedServerProduct, ShardUnavailable),  # the address is not a Neo4j server
    (nx.AuthError, ShardUnavailable),  # the shard refuses our credentials (TokenExpired too)
    (nx.TransientError, ShardUnavailable),  # still failing after the driver's retries
    (OSError, ShardUnavailable),
    # The shard answered with an error about the query: ours to fix, shown as its own code.
    (nx.Neo4jError, ShardQueryFailed),  # ClientError (syntax, types, constraints), DatabaseError
    # The client was misused: a bug.
    (nx.DriverError, None),
)


def translated(exc: BaseException, where: str, query: str | None = None) -> BaseException:
    """The project error for a driver error; anything else (a bug) is returned unchanged."""
    if isinstance(exc, FabricGqlError):
        return exc
    if isinstance(exc, nx.Neo4jError) and getattr(exc, "code", None) in TIMED_OUT:
        message = f"the {where} shard stopped the query at its time limit"
        return Timeout(message, f"{type(exc).__name__}: {exc}", where, query)
    for driver_class, ours in DRIVER_ERRORS:
        if isinstance(exc, driver_class):
            if ours is None:
                return exc
            detail = f"{type(exc).__name__}: {exc}"
            if ours is ShardQueryFailed:
                return ShardQueryFailed(where, detail, query)
            return ShardUnavailable(where, detail)
    return exc


@contextmanager
def driver_errors(where: str, query: str | None = None) -> Iterator[None]:
    """Driver errors raised inside the block leave it as the project's errors (`where` names
    the shard, or `fabric`; `query` the named query). Works around sync and async code alike."""
    try:
        yield
    except Exception as exc:
        ours = translated(exc, where, query)
        if ours is exc:
            raise
        raise ours from exc
