// cancelJob for a job another process runs: its owner sees the flag at its next heartbeat and
// stops between batches. No row: the job is not running.
MATCH (j:Job {id: $id})
WHERE j.status IN ['QUEUED', 'RUNNING']
SET j.cancelRequested = true
RETURN j.id AS id
