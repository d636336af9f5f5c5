// The owner renews its lease (under the kind's lock); no row: the job is no longer its own.
// `cancel`: another process asked for the job to stop (job_request_cancel).
MATCH (j:Job {id: $id})
WHERE j.owner = $owner AND j.status IN ['QUEUED', 'RUNNING']
SET j.leaseUntil = timestamp() + $leaseMs
RETURN j.id AS id, coalesce(j.cancelRequested, false) AS cancel
