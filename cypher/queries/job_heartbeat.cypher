// The owner renews its lease (under the kind's lock); no row: the job is no longer its own.
MATCH (j:Job {id: $id})
WHERE j.owner = $owner AND j.status IN ['QUEUED', 'RUNNING']
SET j.leaseUntil = timestamp() + $leaseMs
RETURN j.id AS id
