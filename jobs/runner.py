"""Background jobs: recorded in the products shard, one running per kind, cancellable, observable.

A job's work is a plain blocking function `work(shards, params, progress) -> summary`, run in a
worker thread by the app (`JobRunner`) or in the foreground by the CLI (`run_in_foreground`), so
both run the same code. The record in the database is the truth a client reads; after a crash
`recover()` marks whatever was still running as failed, and a re-run skips finished work because
each job's work is written to be resumable (embedding skips products that have a vector).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NotRequired, TypedDict, cast

from cypher.shards import AsyncShards, Row, Shard, SyncShards
from fabric_gql.errors import JobConflict, NotFound


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


FINISHED = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}


class JobRecord(TypedDict):
    """A :Job node's properties, as the job queries return them (`j {.*}`): what the CLI prints
    and the API's `Job` is made from. Times are ISO 8601 text."""

    id: str
    kind: str
    status: str  # a JobStatus value
    processed: int
    total: int
    failed: int
    params: str  # the job's arguments as JSON
    createdAt: str
    startedAt: NotRequired[str]
    finishedAt: NotRequired[str]
    error: NotRequired[str]
    summary: NotRequired[str]
    failures: NotRequired[list[str]]


def _record(row: Row) -> JobRecord:
    return cast(JobRecord, row["job"])


class Cancelled(Exception):
    """Raised inside a job's work when its cancellation was asked for."""


@dataclass
class Progress:
    """What a job's work reports through. Thread-safe; `check()` raises if cancelled."""

    on_change: Callable[[Progress], None] = lambda _: None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    total: int = 0
    processed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def set_total(self, total: int) -> None:
        self.total = total
        self.on_change(self)

    def advance(
        self, processed: int = 0, failed: int = 0, failures: list[str] | None = None
    ) -> None:
        self.processed += processed
        self.failed += failed
        if failures:
            self.failures.extend(failures[: max(0, 20 - len(self.failures))])
        self.on_change(self)

    def check(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled


Work = Callable[[SyncShards, dict[str, Any], Progress], str | None]


def _now() -> float:
    return time.monotonic()


class _Recorder:
    """Writes a job's progress to its record, at most every `interval` seconds."""

    def __init__(self, shards: SyncShards, job_id: str, interval: float = 0.5) -> None:
        self.shards, self.job_id, self.interval = shards, job_id, interval
        self.last = 0.0

    def update(self, fields: dict[str, Any]) -> JobRecord:
        return _record(
            self.shards.write(Shard.PRODUCTS, "job_update", id=self.job_id, fields=fields)[0]
        )

    def progress(self, progress: Progress, *, force: bool = False) -> JobRecord | None:
        if not force and _now() - self.last < self.interval:
            return None
        self.last = _now()
        return self.update(
            {"processed": progress.processed, "total": progress.total, "failed": progress.failed}
        )


def execute(
    shards: SyncShards, job_id: str, work: Work, params: dict[str, Any], progress: Progress
) -> JobRecord:
    """Run `work` for the recorded job `job_id`, keeping its record current. Blocking."""
    recorder = _Recorder(shards, job_id)
    recorder.update({"status": JobStatus.RUNNING.value, "startedAt": _iso()})
    notify = progress.on_change
    dirty, done = threading.Event(), threading.Event()

    def on_change(p: Progress) -> None:
        notify(p)
        dirty.set()

    def flush_progress() -> None:
        # The record a client polls follows the work within `interval`, and the last change
        # before a long silent step is never lost.
        while not done.wait(recorder.interval):
            if dirty.is_set():
                dirty.clear()
                recorder.progress(progress, force=True)

    progress.on_change = on_change
    flusher = threading.Thread(target=flush_progress, name=f"job-{job_id}-progress", daemon=True)
    flusher.start()
    status, error, summary = JobStatus.SUCCEEDED, None, None
    try:
        summary = work(shards, params, progress)
    except Cancelled:
        status, error = JobStatus.CANCELLED, "cancelled on request"
    except Exception as exc:  # a failed job is recorded, never raised into the server
        status, error = JobStatus.FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        done.set()
        flusher.join()
    recorder.progress(progress, force=True)
    fields: dict[str, Any] = {"status": status.value, "finishedAt": _iso(), "error": error}
    if summary:
        fields["summary"] = summary
    if progress.failures:
        fields["failures"] = progress.failures
    return recorder.update(fields)


def _iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


def create_record(shards: SyncShards, kind: str, params: dict[str, Any]) -> JobRecord:
    running = shards.read(Shard.PRODUCTS, "job_running", kind=kind)
    if running:
        raise JobConflict(f"a {kind} job is already running: {running[0]['job']['id']}")
    job_id = uuid.uuid4().hex[:12]
    params_text = json.dumps(params, sort_keys=True, default=str)
    rows = shards.write(
        Shard.PRODUCTS, "job_create", id=job_id, kind=kind, params=params_text, createdAt=_iso()
    )
    return _record(rows[0])


def run_in_foreground(
    shards: SyncShards,
    kind: str,
    params: dict[str, Any],
    work: Work,
    on_change: Callable[[Progress], None] = lambda _: None,
) -> JobRecord:
    """The CLI's way: record the job, run it here, return the final record."""
    record = create_record(shards, kind, params)
    return execute(shards, record["id"], work, params, Progress(on_change=on_change))


class JobRunner:
    """The app's jobs: one worker thread per running job, and subscribers per job id."""

    def __init__(self, shards: SyncShards, reader: AsyncShards) -> None:
        self.shards = shards
        self.reader = reader
        self._lock = asyncio.Lock()
        self._running: dict[str, tuple[str, Progress, asyncio.Task[None]]] = {}
        self._subscribers: dict[str, set[asyncio.Queue[JobRecord | None]]] = {}

    async def recover(self) -> int:
        rows = await self.reader.write(Shard.PRODUCTS, "job_fail_interrupted")
        return int(rows[0]["interrupted"])

    async def submit(self, kind: str, params: dict[str, Any], work: Work) -> JobRecord:
        async with self._lock:
            for job_id, (running_kind, _, _) in self._running.items():
                if running_kind == kind:
                    raise JobConflict(f"a {kind} job is already running: {job_id}")
            record = await asyncio.to_thread(create_record, self.shards, kind, params)
            loop = asyncio.get_running_loop()
            job_id = record["id"]
            started_at = _iso()  # the worker thread records its own; snapshots show this one

            def on_change(progress: Progress) -> None:
                snapshot: JobRecord = {
                    **record,
                    "status": JobStatus.RUNNING.value,
                    "startedAt": started_at,
                    "processed": progress.processed,
                    "total": progress.total,
                    "failed": progress.failed,
                }
                loop.call_soon_threadsafe(self._publish, job_id, snapshot)

            progress = Progress(on_change=on_change)
            task = asyncio.create_task(self._run(job_id, work, params, progress))
            self._running[job_id] = (kind, progress, task)
            return record

    async def _run(
        self, job_id: str, work: Work, params: dict[str, Any], progress: Progress
    ) -> None:
        try:
            final = await asyncio.to_thread(execute, self.shards, job_id, work, params, progress)
            self._publish(job_id, final)
        finally:
            self._running.pop(job_id, None)
            for queue in self._subscribers.get(job_id, set()):
                queue.put_nowait(None)  # end of stream

    def _publish(self, job_id: str, snapshot: JobRecord) -> None:
        for queue in self._subscribers.get(job_id, set()):
            queue.put_nowait(snapshot)

    async def get(self, job_id: str) -> JobRecord | None:
        rows = await self.reader.read(Shard.PRODUCTS, "job_get", id=job_id)
        return _record(rows[0]) if rows else None

    async def list(self, limit: int = 50) -> list[JobRecord]:
        rows = await self.reader.read(Shard.PRODUCTS, "job_list", limit=limit)
        return [_record(row) for row in rows]

    async def cancel(self, job_id: str) -> JobRecord:
        running = self._running.get(job_id)
        if running is not None:
            _, progress, task = running
            progress.cancel_event.set()
            await asyncio.shield(task)
        record = await self.get(job_id)
        if record is None:
            raise NotFound(f"no job with id {job_id}")
        return record

    async def follow(self, job_id: str) -> AsyncIterator[JobRecord]:
        """The job's record now, then each change until it finishes."""
        queue: asyncio.Queue[JobRecord | None] = asyncio.Queue()
        self._subscribers.setdefault(job_id, set()).add(queue)
        try:
            record = await self.get(job_id)
            if record is None:
                raise NotFound(f"no job with id {job_id}")
            yield record
            if JobStatus(record["status"]) in FINISHED and job_id not in self._running:
                return
            while snapshot := await queue.get():
                yield snapshot
        finally:
            subscribers = self._subscribers[job_id]
            subscribers.discard(queue)
            if not subscribers:
                del self._subscribers[job_id]

    async def shutdown(self) -> None:
        """Cancel the running jobs and wait until their threads have recorded it."""
        for _, progress, _ in self._running.values():
            progress.cancel_event.set()
        tasks = [task for _, _, task in self._running.values()]
        await asyncio.gather(*tasks, return_exceptions=True)
