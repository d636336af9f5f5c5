// The owner records how its job ended (under the kind's lock), unless it lost the lease.
MATCH (j:Job {id: $id})
WHERE j.owner = $owner AND j.status IN ['QUEUED', 'RUNNING']
SET j += $fields
RETURN j {.*} AS job
