"""Prometheus metrics, served at /metrics (prometheus-client's text format):

- fabric_gql_operations_total{operation,type,outcome} and
  fabric_gql_operation_duration_seconds{operation,type}: each GraphQL operation by name (an
  unnamed one is `anonymous`; past MAX_OPERATION_NAMES distinct names, `other`, so a client
  cannot grow the series without bound) and type (query, mutation, subscription; `unknown`
  when the document did not parse). outcome is `ok` or `error` (any error in the response).
- fabric_gql_errors_total{code}: errors by `extensions.code`, counted where they are shaped
  (defined in gql.errors, which this module's imports would make heavy).
- fabric_gql_cypher_queries_total{shard,query}: Cypher sent, by shard (`fabric` for a composed
  Fabric query) and query name (cypher.shards, cypher.federation).
- fabric_gql_job_processed / _total / _failed {kind}: progress of the running jobs, read from
  the job records at scrape time (so a job another process runs shows too).
- the client library's process_* and python_* metrics.

Counters live in the process's default registry; the job gauges are made per scrape. Under
`serve --workers N` (PROMETHEUS_MULTIPROC_DIR set by `serve`), each worker's counters go to files
in that folder and a scrape, whichever worker answers it, adds up all of them; the process_* and
python_* metrics are then left out (prometheus-client's multiprocess mode has none).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from strawberry.extensions import SchemaExtension

from fabric_gql.errors import ShardUnavailable
from fabric_gql.settings import Settings
from gql.auth import authorized
from jobs.runner import JobStatus

MAX_OPERATION_NAMES = 100
OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
# The jobs read at a scrape: the runner keeps one running job per kind, so the newest suffice.
JOBS_READ = 50

OPERATIONS = Counter(
    "fabric_gql_operations",
    "GraphQL operations, by operation name, type and outcome.",
    ["operation", "type", "outcome"],
)
DURATION = Histogram(
    "fabric_gql_operation_duration_seconds",
    "Time from receiving a GraphQL operation to its result (a subscription: its whole life).",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _names:
        return name
    if len(_names) >= MAX_OPERATION_NAMES or not OPERATION_NAME.fullmatch(name):
        return "other"
    _names.add(name)
    return name


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        try:
            kind = context.operation_type.value
            name = context.operation_name
        except RuntimeError:  # no document: it did not parse
            kind, name = "unknown", None
        label = operation_label(name)
        result = context.result
        outcome = "error" if result is not None and result.errors else "ok"
        OPERATIONS.labels(label, kind, outcome).inc()
        DURATION.labels(label, kind).observe(time.perf_counter() - started)


async def job_metrics(request: Request) -> bytes:
    registry = CollectorRegistry()

    def gauge(field: str) -> Gauge:
        help_ = f"Items {field} by the running job of a kind (from its record)."
        return Gauge(f"fabric_gql_job_{field}", help_, ["kind"], registry=registry)

    processed, total, failed = gauge("processed"), gauge("total"), gauge("failed")
    try:
        records = await request.app.state.background.runner.list(JOBS_READ)
    except ShardUnavailable:
        records = []  # the scrape still answers; /healthz says which shard is down
    for record in records:
        if record["status"] == JobStatus.RUNNING.value:
            processed.labels(record["kind"]).set(record["processed"])
            total.labels(record["kind"]).set(record["total"])
            failed.labels(record["kind"]).set(record["failed"])
    return generate_latest(registry)


def _counters() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    """The /metrics route: behind the API token when metrics_need_token and one is set."""
    token = settings.api_token if settings.metrics_need_token else None

    async def metrics(request: Request) -> Response:
        header = request.headers.get("authorization")
        if token is not None and not authorized(header, token.get_secret_value()):
            return PlainTextResponse(
                "/metrics needs `Authorization: Bearer <token>`",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        body = _counters() + await job_metrics(request)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics
