"""The app's background work: one JobRunner and one image model for the process.

Jobs run in worker threads on their own blocking drivers (`SyncShards`); their records and
progress are read through the app's async drivers. The model is loaded on first use, in a
worker thread, so start-up stays fast; a process lock makes the job threads and the upload
resolvers share that one load (Keras seeds its random state globally while building).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from cypher.shards import AsyncShards, SyncShards
from embedding.model import Embedder, load_embedder
from fabric_gql.errors import ShardUnavailable
from fabric_gql.settings import Settings
from jobs import embed
from jobs.runner import JobRecord, JobRunner, Progress, Work

log = logging.getLogger("fabric_gql.jobs")


class Background:
    def __init__(self, settings: Settings, shards: AsyncShards) -> None:
        self.settings = settings
        self.shards = shards  # the app's async drivers: job records, products-shard writes
        self.config = embed.embedding_config(settings)
        self._job_shards = SyncShards(settings)
        self.runner = JobRunner(self._job_shards, shards)
        self._model_lock = threading.Lock()
        self._recover_lock = asyncio.Lock()
        self._recovered = False

    async def start(self) -> None:
        if self.config.weights == "none":
            log.warning(
                "EMBEDDING WEIGHTS ARE RANDOM (FABRIC_GQL_EMBEDDING_WEIGHTS=none): embedImages, "
                "embedImage and searchByImage use an untrained model (id resnet50v2/none-seed%d)",
                self.config.seed,
            )
        try:
            await self.recover()
        except ShardUnavailable as exc:
            # The app serves what it can without the products shard; recovery runs before the
            # first job instead.
            log.warning("job recovery postponed: %s", exc.message)

    async def recover(self) -> None:
        """Mark jobs left running by a stopped process as FAILED: once, before any job here."""
        async with self._recover_lock:
            if not self._recovered:
                interrupted = await self.runner.recover()
                self._recovered = True
                if interrupted:
                    log.warning("%d interrupted job(s) marked FAILED", interrupted)

    async def submit(self, kind: str, params: dict[str, Any], work: Work) -> JobRecord:
        await self.recover()
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
        await self.runner.shutdown()
        self._job_shards.close()
