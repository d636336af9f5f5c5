from __future__ import annotations

import strawberry

from jobs.runner import JobStatus

# The jobs' own enum is the GraphQL type: strawberry marks the class in place.
strawberry.enum(
    JobStatus,
    description="QUEUED, then RUNNING, then one of SUCCEEDED, FAILED or CANCELLED. A job the "
    "process was running when it stopped shows as FAILED after the restart.",
)

__all__ = ["JobStatus"]
