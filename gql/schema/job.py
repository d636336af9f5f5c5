from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from gql.schema.job_status import JobStatus
from jobs.runner import JobRecord


def _time(value: str | None) -> datetime | None:
    # Records hold ISO 8601 text: Python's (microseconds) or Neo4j's (nanoseconds, 'Z').
    return datetime.fromisoformat(value) if value else None


@strawberry.type(
    description="A background job (embedding images, recomputing similarities or "
    "co-purchases) as recorded on the products shard. One job of a kind runs at a time."
)
class Job:
    id: strawberry.ID
    kind: str = strawberry.field(
        description="EMBED_IMAGES, RECOMPUTE_SIMILARITIES or RECOMPUTE_COPURCHASES."
    )
    status: JobStatus
    processed: int = strawberry.field(description="Work items done so far.")
    total: int = strawberry.field(description="Work items in all; 0 until the job has counted.")
    failed: int = strawberry.field(
        description="Items that failed (e.g. unreadable images); they never stop the job."
    )
    error: str | None = strawberry.field(description="Why the job failed or was cancelled.")
    summary: str | None = strawberry.field(description="What a finished job did.")
    failures: list[str] = strawberry.field(
        description="Up to 20 failed items, each `code: REASON_CODE: detail`."
    )
    params: str | None = strawberry.field(description="The job's arguments, as JSON.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_record(cls, record: JobRecord) -> Self:
        return cls(
            id=strawberry.ID(record["id"]),
            kind=record["kind"],
            status=JobStatus(record["status"]),
            processed=record["processed"],
            total=record["total"],
            failed=record["failed"],
            error=record.get("error"),
            summary=record.get("summary"),
            failures=record.get("failures", []),
            params=record["params"],
            created_at=datetime.fromisoformat(record["createdAt"]),
            started_at=_time(record.get("startedAt")),
            finished_at=_time(record.get("finishedAt")),
        )
