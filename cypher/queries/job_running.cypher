MATCH (j:Job {kind: $kind})
WHERE j.status IN ['QUEUED', 'RUNNING']
RETURN j {.*} AS job
