"""Every error the project raises on purpose, and the one place driver errors are translated.

    FabricGqlError                     code
    ├── ShardUnavailable               SHARD_UNAVAILABLE    a shard did not answer
    ├── ShardQueryFailed               SHARD_QUERY_FAILED   a shard answered with an error
    ├── InvalidArgument                BAD_USER_INPUT       an argument outside its range
    ├── Unauthorized                   UNAUTHENTICATED      a mutation without the bearer token
    ├── JobConflict                    JOB_CONFLICT         a job of that kind is running
    ├── NotFound                       NOT_FOUND            nothing has that id
    └── ImageRejected                  (the image's code)   an upload the embedder cannot use:
                                       NOT_AN_IMAGE, CORRUPT_IMAGE, IMAGE_TOO_LARGE (see
                                       embedding.errors)

Driver errors map by class (see DRIVER_ERRORS); anything else is a bug and stays unmasked here,
to be masked (and logged) at the GraphQL boundary.
"""

from __future__ import annotations

import neo4j.exceptions as nx


class FabricGqlError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ShardUnavailable(FabricGqlError):
    code = "SHARD_UNAVAILABLE"

    def __init__(self, shard: str, detail: str = "") -> None:
        super().__init__(f"the {shard} shard is unavailable" + (f": {detail}" if detail else ""))
        self.shard = shard


class ShardQueryFailed(FabricGqlError):
    code = "SHARD_QUERY_FAILED"

    def __init__(self, shard: str, detail: str = "") -> None:
        super().__init__(f"the {shard} shard could not answer the query")
        self.shard = shard
        self.detail = detail


class InvalidArgument(FabricGqlError):
    code = "BAD_USER_INPUT"


class Unauthorized(FabricGqlError):
    code = "UNAUTHENTICATED"


class JobConflict(FabricGqlError):
    code = "JOB_CONFLICT"


class NotFound(FabricGqlError):
    code = "NOT_FOUND"


class ImageRejected(FabricGqlError):
    """Carries the stable code of the `embedding.errors.ImageError` that rejected the upload."""

    code = "IMAGE_REJECTED"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# Driver exception class -> our class. Order matters: the first isinstance match wins.
DRIVER_ERRORS: tuple[tuple[type[Exception], type[FabricGqlError]], ...] = (
    (nx.ServiceUnavailable, ShardUnavailable),
    (nx.SessionExpired, ShardUnavailable),
    (nx.AuthError, ShardUnavailable),
    (OSError, ShardUnavailable),
    (nx.Neo4jError, ShardQueryFailed),
    (nx.DriverError, ShardUnavailable),
)


def translate_driver_error(exc: BaseException, shard: str) -> BaseException:
    """The project error for a driver error; anything else is returned unchanged."""
    if isinstance(exc, FabricGqlError):
        return exc
    for driver_class, ours in DRIVER_ERRORS:
        if isinstance(exc, driver_class):
            return ours(shard, f"{type(exc).__name__}: {exc}")
    return exc
