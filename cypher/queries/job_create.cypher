// Run under the kind's lock, after job_fail_stale and job_running found no live job.
CREATE (j:Job {id: $id, kind: $kind, status: 'QUEUED', processed: 0, total: 0, failed: 0,
               params: $params, createdAt: $createdAt, owner: $owner,
               leaseUntil: timestamp() + $leaseMs})
RETURN j {.*} AS job
