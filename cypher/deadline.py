"""The deadline of the request in progress, which its Cypher transactions inherit.

`within(seconds)` sets it for a block (the GraphQL layer does, around each query and mutation);
`run_managed` gives every transaction started inside it what is left as its server-side
timeout, so a shard stops a request's work once the request is given up, and starts none
after the deadline (a Timeout instead).

It is a contextvar: it follows the request into its resolvers and DataLoader batches (a task
copies the context it is created in). A task a request starts that outlives it would inherit it
too, so long-running work (jobs) sends its Cypher through the blocking clients, which ignore it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from fabric_gql.errors import Timeout


@dataclass(frozen=True)
class Deadline:
    seconds: float
    due: float  # time.monotonic()

    def expired(self) -> Timeout:
        return Timeout(f"the request did not finish within {self.seconds:g} s")


_current: ContextVar[Deadline | None] = ContextVar("fabric_gql_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[Deadline]:
    deadline = Deadline(seconds, time.monotonic() + seconds)
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


def transaction_timeout() -> float | None:
    """Seconds left for a transaction starting now; None outside a deadline. Raises the
    Timeout once the deadline has passed."""
    deadline = _current.get()
    if deadline is None:
        return None
    left = deadline.due - time.monotonic()
    if left <= 0:
        raise deadline.expired()
    return left
