from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from gql.context import Info
from gql.schema.job import Job


async def job_progress(info: Info, id: strawberry.ID) -> AsyncGenerator[Job, None]:
    async for record in info.context.background.runner.follow(str(id)):
        yield Job.from_record(record)
