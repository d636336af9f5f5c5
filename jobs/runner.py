"""Background jobs: recorded in the products shard, one running per kind, cancellable, observable.

A job's work is a plain blocking function `work(shards, params, progress) -> summary`, run in a
worker thread by the app (`JobRunner`) or in the foreground by the CLI (`run_in_foreground`), so
both run the same code. The record in the database is the truth a client reads.

Several processes (API servers, the CLI) share one products shard, so a job belongs to the
process that created it through a lease: the record names its `owner` and holds `leaseUntil`
(the database's clock, epoch ms), which the owner's worker renews every heartbeat. Every change
of a kind's job state runs in one write transaction that first takes the kind's lock node
(`job_lock`), so "no live job of this kind, then create one" cannot interleave with another
process doing the same. A job whose lease ran out (its owner was killed or hangs) is marked
FAILED by whichever process looks next (`sweep`: at start-up, before a create, periodically in
the app), never while its lease is live; a re-run skips finished work because each job's work is
written to be resumable (embedding skips products that have a vector).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NotRequired, TypedDict, cast

from cypher.shards import AsyncShards, Row, Rows, Shard, SyncShards, Tx
from fabric_gql.errors import FabricGqlError, JobConflict, NotFound
from fabric_gql.settings import Settings, get_settings

log = logging.getLogger("fabric_gql.jobs")

# This process, as a job's owner: host, pid and a random part (pids are reused).
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
# How often a follower of a job that another process runs reads its record.
POLL_S = 0.5


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
    owner: NotRequired[str]  # the process that runs it (`OWNER` there)
    leaseUntil: NotRequired[int]  # epoch ms on the database's clock


def _record(row: Row) -> JobRecord:
    return cast(JobRecord, row["job"])


def _visible(record: JobRecord) -> dict[str, Any]:
    """A record without its lease, which changes every heartbeat and is not shown."""
    return {key: value for key, value in record.items() if key != "leaseUntil"}


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


@dataclass(frozen=True)
class Lease:
    """How this process holds the jobs it runs (see the module's docstring)."""

    seconds: float
    heartbeat_s: float
    owner: str = OWNER

    @classmethod
    def of(cls, settings: Settings) -> Lease:
        return cls(settings.job_lease_s, settings.job_heartbeat_s)

    @property
    def ms(self) -> int:
        return int(self.seconds * 1000)


def _locked(kind: str | None, work: Callable[[Tx], Any]) -> Callable[[Tx], Any]:
    """`work` after taking the lock of `kind` (of every kind when None) in the same transaction."""

    def run(tx: Tx) -> Any:
        if kind is None:
            tx.run("job_lock_all")
        else:
            tx.run("job_lock", kind=kind)
        return work(tx)

    return run


def sweep(shards: SyncShards, owner: str | None = None) -> list[str]:
    """Mark every job whose lease ran out FAILED; their ids. Jobs of `owner` (the calling
    process) are left alone: a live process's own jobs are alive, even when a long step (say a
    first TensorFlow import holding the interpreter) delayed their heartbeat."""

    def work(tx: Tx) -> list[str]:
        return [row["id"] for row in tx.run("job_fail_stale", kind=None, owner=owner)]

    ids: list[str] = shards.unit(Shard.PRODUCTS, "job_sweep", _locked(None, work))
    return ids


def request_cancel(shards: SyncShards, job_id: str) -> bool:
    """Flag a running job for its owner (another process) to stop; whether it was running."""
    return bool(shards.write(Shard.PRODUCTS, "job_request_cancel", id=job_id))


def _now() -> float:
    return time.monotonic()


class _Recorder:
    """Writes a job's progress to its record, at most every `interval` seconds, and renews its
    lease every heartbeat; `lost` is set when the job is no longer this owner's."""

    def __init__(
        self, shards: SyncShards, job_id: str, lease: Lease, interval: float = 0.5
    ) -> None:
        self.shards, self.job_id, self.lease, self.interval = shards, job_id, lease, interval
        self.last = 0.0
        self.last_beat = _now()
        self.kind = ""
        self.lost = threading.Event()
        self.cancel_requested = threading.Event()  # by another process, seen at a heartbeat

    def update(self, fields: dict[str, Any]) -> JobRecord:
        rows = self.shards.write(Shard.PRODUCTS, "job_update", id=self.job_id, fields=fields)
        record = _record(rows[0])
        self.kind = record["kind"]
        return record

    def progress(self, progress: Progress, *, force: bool = False) -> JobRecord | None:
        if not force and _now() - self.last < self.interval:
            return None
        self.last = _now()
        return self.update(
            {"processed": progress.processed, "total": progress.total, "failed": progress.failed}
        )

    def heartbeat(self) -> None:
        if _now() - self.last_beat < self.lease.heartbeat_s:
            return
        self.last_beat = _now()

        def work(tx: Tx) -> Rows:
            owner, ms = self.lease.owner, self.lease.ms
            return tx.run("job_heartbeat", id=self.job_id, owner=owner, leaseMs=ms)

        rows = self.shards.unit(Shard.PRODUCTS, "job_heartbeat", _locked(self.kind, work))
        if not rows:
            log.warning("job %s: lease lost (marked failed by another process)", self.job_id)
            self.lost.set()
        elif rows[0]["cancel"]:
            self.cancel_requested.set()

    def finish(self, fields: dict[str, Any]) -> JobRecord:
        """Record the end, unless the lease was lost: then the record as another process left it."""

        def work(tx: Tx) -> Row | None:
            rows = tx.run("job_finish", id=self.job_id, owner=self.lease.owner, fields=fields)
            return rows[0] if rows else None

        row = self.shards.unit(Shard.PRODUCTS, "job_finish", _locked(self.kind, work))
        if row is None:
            row = self.shards.read(Shard.PRODUCTS, "job_get", id=self.job_id)[0]
        return _record(row)


def execute(
    shards: SyncShards,
    job_id: str,
    work: Work,
    params: dict[str, Any],
    progress: Progress,
    lease: Lease | None = None,
) -> JobRecord:
    """Run `work` for the recorded job `job_id`, keeping its record current and its lease
    renewed. Blocking. A job whose lease is lost is cancelled and its record left as it is."""
    recorder = _Recorder(shards, job_id, lease or Lease.of(get_settings()))
    recorder.update({"status": JobStatus.RUNNING.value, "startedAt": _iso()})
    notify = progress.on_change
    dirty, done = threading.Event(), threading.Event()

    def on_change(p: Progress) -> None:
        notify(p)
        dirty.set()

    def keep_record() -> None:
        # The record a client polls follows the work within `interval`, the last change before
        # a long silent step is never lost, and the lease is renewed even while the work is
        # silent. A shard that does not answer is tried again at the next tick.
        while not done.wait(recorder.interval):
            try:
                if dirty.is_set():
                    dirty.clear()
                    recorder.progress(progress, force=True)
                recorder.heartbeat()
            except FabricGqlError as exc:
                log.warning("job %s: recording progress failed: %s", job_id, exc.message)
            if recorder.lost.is_set():
                progress.cancel_event.set()
                return
            if recorder.cancel_requested.is_set():
                progress.cancel_event.set()

    progress.on_change = on_change
    keeper = threading.Thread(target=keep_record, name=f"job-{job_id}-record", daemon=True)
    keeper.start()
    status, error, summary = JobStatus.SUCCEEDED, None, None
    try:
        summary = work(shards, params, progress)
    except Cancelled:
        status, error = JobStatus.CANCELLED, "cancelled on request"
    except Exception as exc:  # a failed job is recorded, never raised into the server
        status, error = JobStatus.FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        done.set()
        keeper.join()
    fields: dict[str, Any] = {
        "status": status.value,
        "finishedAt": _iso(),
        "error": error,
        "processed": progress.processed,
        "total": progress.total,
        "failed": progress.failed,
    }
    if summary:
        fields["summary"] = summary
    if progress.failures:
        fields["failures"] = progress.failures
    return recorder.finish(fields)


def _iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


def create_record(
    shards: SyncShards, kind: str, params: dict[str, Any], lease: Lease | None = None
) -> JobRecord:
    """Record a new QUEUED job of `kind` owned by this process, or raise JobConflict naming
    the live one: one transaction under the kind's lock, which also fails the kind's stale jobs."""
    lease = lease or Lease.of(get_settings())
    job_id = uuid.uuid4().hex[:12]
    params_text = json.dumps(params, sort_keys=True, default=str)

    def work(tx: Tx) -> tuple[bool, Row]:
        for stale in tx.run("job_fail_stale", kind=kind, owner=lease.owner):
            log.warning("job %s: its owner stopped heartbeating; marked FAILED", stale["id"])
        running = tx.run("job_running", kind=kind)
        if running:
            return False, running[0]
        created = tx.run(
            "job_create", id=job_id, kind=kind, params=params_text, createdAt=_iso(),
            owner=lease.owner, leaseMs=lease.ms,
        )  # fmt: skip
        return True, created[0]

    created, row = shards.unit(Shard.PRODUCTS, "job_create", _locked(kind, work))
    if not created:
        live = _record(row)
        raise JobConflict(
            f"a {kind} job is already running: {live['id']} (owner {live.get('owner', '?')})"
        )
    return _record(row)


def run_in_foreground(
    shards: SyncShards,
    kind: str,
    params: dict[str, Any],
    work: Work,
    on_change: Callable[[Progress], None] = lambda _: None,
    cancel_event: threading.Event | None = None,
) -> JobRecord:
    """The CLI's way: record the job, run it here (holding its lease), return the final record.
    Setting `cancel_event` cancels it."""
    lease = Lease.of(get_settings())
    record = create_record(shards, kind, params, lease)
    progress = Progress(on_change=on_change, cancel_event=cancel_event or threading.Event())
    return execute(shards, record["id"], work, params, progress, lease)


class JobRunner:
    """The app's jobs: one worker thread per running job, and subscribers per job id."""

    def __init__(self, shards: SyncShards, reader: AsyncShards, lease: Lease) -> None:
        self.shards = shards
        self.reader = reader
        self.lease = lease
        self._lock = asyncio.Lock()
        self._running: dict[str, tuple[str, Progress, asyncio.Task[None]]] = {}
        # A queue's None ends its stream.
        self._subscribers: dict[str, set[asyncio.Queue[JobRecord | None]]] = {}

    async def sweep(self) -> list[str]:
        """Mark the jobs whose owner stopped heartbeating FAILED (other processes'); their ids."""
        return await asyncio.to_thread(sweep, self.shards, self.lease.owner)

    async def submit(self, kind: str, params: dict[str, Any], work: Work) -> JobRecord:
        async with self._lock:
            for job_id, (running_kind, _, _) in self._running.items():
                if running_kind == kind:
                    raise JobConflict(f"a {kind} job is already running: {job_id}")
            record = await asyncio.to_thread(create_record, self.shards, kind, params, self.lease)
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
            final = await asyncio.to_thread(
                execute, self.shards, job_id, work, params, progress, self.lease
            )
            self._publish(job_id, final)
        finally:
            self._running.pop(job_id, None)
            for queue in self._subscribers.get(job_id, set()):
                queue.put_nowait(None)

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
        """Stops the job between batches and returns its record: at once when this process runs
        it; when another does, through a flag its owner reads at its next heartbeat, waiting up
        to a lease for the job to end (then the record as it is, still RUNNING if it is slow)."""
        running = self._running.get(job_id)
        if running is not None:
            _, progress, task = running
            progress.cancel_event.set()
            await asyncio.shield(task)
        elif await asyncio.to_thread(request_cancel, self.shards, job_id):
            deadline = _now() + self.lease.seconds + self.lease.heartbeat_s
            while _now() < deadline:
                record = await self.get(job_id)
                if record is None or JobStatus(record["status"]) in FINISHED:
                    break
                await asyncio.sleep(POLL_S)
        record = await self.get(job_id)
        if record is None:
            raise NotFound(f"no job with id {job_id}")
        return record

    async def follow(self, job_id: str) -> AsyncIterator[JobRecord]:
        """The job's record now, then each change until it finishes: pushed by the worker when
        the job runs here, read from the record every `POLL_S` when another process runs it."""
        queue: asyncio.Queue[JobRecord | None] = asyncio.Queue()
        self._subscribers.setdefault(job_id, set()).add(queue)
        try:
            record = await self.get(job_id)
            if record is None:
                raise NotFound(f"no job with id {job_id}")
            yield record
            if job_id in self._running:
                while (snapshot := await queue.get()) is not None:
                    yield snapshot
                return
            # Not (or no longer) here; a job that just finished here has its final record read.
            while JobStatus(record["status"]) not in FINISHED:
                await asyncio.sleep(POLL_S)
                latest = await self.get(job_id)
                if latest is None:
                    return
                if _visible(latest) != _visible(record):
                    yield latest
                record = latest
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
