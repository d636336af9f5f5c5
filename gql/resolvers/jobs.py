from __future__ import annotations

from gql.context import Info
from gql.schema.job import Job

LIMIT = 50


async def jobs(info: Info) -> list[Job]:
    return [Job.from_record(record) for record in await info.context.background.runner.list(LIMIT)]
