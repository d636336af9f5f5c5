from __future__ import annotations

from fabric_gql.errors import InvalidArgument
from gql import arguments
from gql.context import Info
from gql.schema.job import Job
from jobs import copurchase


async def recompute_copurchases(
    info: Info, top_n: int | None = copurchase.TOP_N, weeks: int | None = None
) -> Job:
    top_n = arguments.in_range(
        "topN", top_n, 1, info.context.settings.max_page_size, copurchase.TOP_N
    )
    if weeks is not None and weeks < 1:
        raise InvalidArgument(f"weeks must be at least 1, got {weeks}")
    params = {"topN": top_n, "weeks": weeks}
    record = await info.context.background.submit(
        copurchase.KIND, params, copurchase.copurchase_work()
    )
    return Job.from_record(record)
