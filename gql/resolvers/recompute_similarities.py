from __future__ import annotations

from fabric_gql.errors import InvalidArgument
from gql import arguments
from gql.context import Info
from gql.schema.job import Job
from gql.schema.knn_method import KnnMethod
from jobs import knn


async def recompute_similarities(
    info: Info,
    top_k: int | None = 10,
    similarity_cutoff: float | None = 0.0,
    method: KnnMethod | None = KnnMethod.AUTO,
) -> Job:
    top_k = arguments.in_range("topK", top_k, 1, info.context.settings.max_top_k, 10)
    cutoff = 0.0 if similarity_cutoff is None else similarity_cutoff
    if not -1.0 <= cutoff <= 1.0:
        raise InvalidArgument(f"similarityCutoff must be between -1 and 1, got {cutoff}")
    params = {
        "topK": top_k,
        "similarityCutoff": cutoff,
        "method": (method or KnnMethod.AUTO).value,
    }
    record = await info.context.background.submit(knn.KIND, params, knn.knn_work())
    return Job.from_record(record)
