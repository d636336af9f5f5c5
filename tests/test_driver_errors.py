"""Where each driver error lands: the translation is complete, and misuse of the client is a bug."""

from __future__ import annotations

import asyncio
import inspect
import logging

import neo4j.exceptions as nx
import pytest
from graphql import GraphQLError

from cypher import deadline
from cypher.loader import text
from cypher.shards import AsyncShards, Shard, run_managed
from fabric_gql.errors import (
    TIMED_OUT,
    FabricGqlError,
    ShardQueryFailed,
    ShardUnavailable,
    Timeout,
    driver_errors,
    translated,
)
from fabric_gql.settings import Settings
from gql.errors import log_error, shaped

UNAVAILABLE, QUERY_FAILED, BUG = ShardUnavailable, ShardQueryFailed, None

# Every exception class the driver exports, and where it must land. A new driver class fails
# `test_every_driver_exception_is_placed` until it is placed here on purpose.
EXPECTED: dict[str, type[FabricGqlError] | None] = {
    "ServiceUnavailable": UNAVAILABLE,
    "ReadServiceUnavailable": UNAVAILABLE,
    "WriteServiceUnavailable": UNAVAILABLE,
    "RoutingServiceUnavailable": UNAVAILABLE,
    "IncompleteCommit": UNAVAILABLE,
    "SessionExpired": UNAVAILABLE,
    "ConnectionPoolError": UNAVAILABLE,
    "ConnectionAcquisitionTimeoutError": UNAVAILABLE,
    "UnsupportedServerProduct": UNAVAILABLE,
    "AuthError": UNAVAILABLE,
    "TokenExpired": UNAVAILABLE,
    "TransientError": UNAVAILABLE,
    "DatabaseUnavailable": UNAVAILABLE,
    "NotALeader": UNAVAILABLE,
    "ForbiddenOnReadOnlyDatabase": UNAVAILABLE,
    "Neo4jError": QUERY_FAILED,
    "ClientError": QUERY_FAILED,
    "CypherSyntaxError": QUERY_FAILED,
    "CypherTypeError": QUERY_FAILED,
    "ConstraintError": QUERY_FAILED,
    "Forbidden": QUERY_FAILED,
    "DatabaseError": QUERY_FAILED,
    # Misuse of the client: bugs, masked and logged at the GraphQL boundary.
    "DriverError": BUG,
    "ConfigurationError": BUG,
    "AuthConfigurationError": BUG,
    "CertificateConfigurationError": BUG,
    "ResultError": BUG,
    "ResultConsumedError": BUG,
    "ResultNotSingleError": BUG,
    "ResultFailedError": BUG,
    "BrokenRecordError": BUG,
    "SessionError": BUG,
    "TransactionError": BUG,
    "TransactionNestingError": BUG,
    "GqlError": BUG,  # the base of all the above; never raised on its own
}


def _driver_classes() -> dict[str, type[BaseException]]:
    return {
        name: cls
        for name, cls in inspect.getmembers(nx, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__.startswith("neo4j")
    }


def _instance(cls: type[BaseException]) -> BaseException:
    """An instance without running a class's own constructor (some need a session or result)."""
    exc = cls.__new__(cls)
    Exception.__init__(exc, f"{cls.__name__} happened")
    return exc


def test_every_driver_exception_is_placed() -> None:
    assert set(_driver_classes()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_driver_exception_lands_where_expected(name: str) -> None:
    exc = _instance(_driver_classes()[name])
    ours = translated(exc, "products", "product_by_code")
    expected = EXPECTED[name]
    if expected is None:
        assert ours is exc
    else:
        assert type(ours) is expected
        assert isinstance(ours, ShardUnavailable | ShardQueryFailed)
        assert ours.shard == "products"
        assert name in ours.detail
        assert name not in ours.message


def test_os_errors_mean_the_shard_is_unavailable() -> None:
    assert isinstance(
        translated(ConnectionRefusedError(111, "refused"), "products"), ShardUnavailable
    )


def test_the_context_manager_chains_the_cause_and_lets_bugs_through() -> None:
    cause = _instance(nx.SessionExpired)
    with pytest.raises(ShardUnavailable) as raised, driver_errors("transactions"):
        raise cause
    assert raised.value.__cause__ is cause
    bug = _instance(nx.ResultNotSingleError)
    with pytest.raises(nx.ResultNotSingleError), driver_errors("transactions"):
        raise bug
    with pytest.raises(KeyError), driver_errors("transactions"):
        raise KeyError("not a driver error")


@pytest.mark.neo4j
async def test_a_broken_query_names_its_shard_and_query_and_its_detail_reaches_the_log(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    shards = AsyncShards(settings)
    try:
        driver = shards.drivers[Shard.TRANSACTIONS]
        database = shards.targets[Shard.TRANSACTIONS].database
        with pytest.raises(ShardQueryFailed) as raised:
            await run_managed(driver, database, "transactions", "broken_probe", "RETURN $x +", {})
    finally:
        await shards.close()
    error = raised.value
    assert (error.shard, error.query) == ("transactions", "broken_probe")
    assert "Syntax" in error.detail
    assert "RETURN" not in error.message

    graphql_error = GraphQLError("ignored", original_error=error, path=["product"])
    client_sees = shaped(graphql_error).formatted
    assert client_sees.get("extensions") == {"code": "SHARD_QUERY_FAILED", "shard": "transactions"}
    assert "Syntax" not in str(client_sees)
    with caplog.at_level(logging.ERROR, logger="fabric_gql.graphql"):
        log_error(graphql_error)
    assert "broken_probe" in caplog.text
    assert "Syntax" in caplog.text


@pytest.mark.neo4j
async def test_a_transaction_the_server_stops_at_its_timeout_is_a_timeout(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Inside a deadline the shard itself stops the transaction (no cancellation here): a query
    that would run for hours ends with the server's timeout error, translated by its code."""
    shards = AsyncShards(settings)
    try:
        driver = shards.drivers[Shard.TRANSACTIONS]
        database = shards.targets[Shard.TRANSACTIONS].database
        slow = text("slow_count")
        with deadline.within(0.5), pytest.raises(Timeout) as raised:
            await asyncio.wait_for(
                run_managed(driver, database, "transactions", "slow_probe", slow, {}), 120
            )
    finally:
        await shards.close()
    error = raised.value
    assert isinstance(error.__cause__, nx.ClientError)
    assert error.__cause__.code in TIMED_OUT
    assert (error.shard, error.query) == ("transactions", "slow_probe")
    assert "UNWIND" not in error.message

    graphql_error = GraphQLError("ignored", original_error=error, path=["departments"])
    assert shaped(graphql_error).formatted["extensions"] == {
        "code": "TIMEOUT",
        "shard": "transactions",
    }
    with caplog.at_level(logging.WARNING, logger="fabric_gql.graphql"):
        log_error(graphql_error)
    assert "slow_probe" in caplog.text
    assert "TimedOut" in caplog.text


def test_masked_errors_are_logged_with_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise RuntimeError("the cause")
    except RuntimeError as cause:
        error = GraphQLError("the cause", original_error=cause, path=["product"])
    with caplog.at_level(logging.ERROR, logger="fabric_gql.graphql"):
        log_error(error)
    assert "unexpected error at ['product']" in caplog.text
    assert caplog.records[-1].exc_info is not None
