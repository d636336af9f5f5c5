from __future__ import annotations

import strawberry

from gql.context import Info
from gql.schema.job import Job


async def cancel_job(info: Info, id: strawberry.ID) -> Job:
    """Asks a running job to stop and waits until it has (it stops between batches); a job
    that already finished is returned as it is."""
    return Job.from_record(await info.context.background.runner.cancel(str(id)))
