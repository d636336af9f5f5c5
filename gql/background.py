"""The app's background work: one JobRunner and one image model for the process.

Jobs run in worker threads on their own blocking drivers (`SyncShards`); their records and
progress are read through the app's async drivers. The model is loaded on first use, in a
worker thread, so start-up stays fast; a process lock makes the job threads and the upload
resolvers share that one load (Keras seeds its random state globally while building).

Other processes may share the shards (more API servers, the CLI), so nothing here assumes that a
running job is this process's: a sweep marks FAILED only the jobs whose lease ran out (see
jobs.runner), at start-up and every heartbeat while the app runs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from cypher.shards import AsyncShards, SyncShards
from embedding.model import Embedder, load_embedder
from fabric_gql.errors import FabricGqlError
from fabric_gql.settings import Settings
from jobs import embed
from jobs.runner import JobRecord, JobRunner, Lease, Progress, Work

log = logging.getLogger("fabric_gql.jobs")


class Background:
    def __init__(self, settings: Settings, shards: AsyncShards) -> None:
        self.settings = settings
        self.shards = shards  # the app's async drivers: job records, products-shard writes
        self.config = embed.embedding_config(settings)
        self._job_shards = SyncShards(settings)
        self.lease = Lease.of(settings)
        self.runner = JobRunner(self._job_shards, shards, self.lease)
        self._model_lock = threading.Lock()
        self._sweeper: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        if self.config.weights == "none":
            log.warning(
                "EMBEDDING WEIGHTS ARE RANDOM (FABRIC_GQL_EMBEDDING_WEIGHTS=none): embedImages, "
                "embedImage and searchByImage use an untrained model (id resnet50v2/none-seed%d)",
                self.config.seed,
            )
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="job-sweeper")

    async def _sweep_forever(self) -> None:
        """Mark jobs whose owner stopped heartbeating FAILED: now, then every heartbeat. A
        products shard that does not answer postpones it to the next round."""
        while True:
            try:
                for job_id in await self.runner.sweep():
                    log.warning("job %s: its owner stopped heartbeating; marked FAILED", job_id)
            except FabricGqlError as exc:  # e.g. SHARD_UNAVAILABLE: the next round retries
                log.warning("job sweep postponed: %s", exc.message)
            try:
                await asyncio.wait_for(self._stopping.wait(), self.lease.heartbeat_s)
                return
            except TimeoutError:
                pass

    async def submit(self, kind: str, params: dict[str, Any], work: Work) -> JobRecord:
        return await self.runner.submit(kind, params, work)

    def model(self) -> Embedder:
        """The process's model (blocking: loads it on first use)."""
        with self._model_lock:
            return load_embedder(self.config)

    async def embedder(self) -> Embedder:
        return await asyncio.to_thread(self.model)

    def embed_work(self) -> Work:
        """The embedding job's work, loading the model through the process lock first."""
        work = embed.embed_work(self.settings)

        def run(shards: SyncShards, params: dict[str, Any], progress: Progress) -> str | None:
            self.model()
            return work(shards, params, progress)

        return run

    async def close(self) -> None:
        """Cancel running jobs (recorded as CANCELLED), wait for them, close the job drivers."""
        # The sweeper is stopped, not cancelled: a sweep in its worker thread finishes with the
        # job drivers still open (cancelling would leave the thread using a closed driver).
        self._stopping.set()
        if self._sweeper is not None:
            await self._sweeper
        await self.runner.shutdown()
        self._job_shards.close()
