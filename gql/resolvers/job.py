from __future__ import annotations

import strawberry

from gql.context import Info
from gql.schema.job import Job


async def job(info: Info, id: strawberry.ID) -> Job | None:
    record = await info.context.background.runner.get(str(id))
    return None if record is None else Job.from_record(record)
