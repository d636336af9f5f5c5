// Jobs whose owner stopped renewing its lease (a killed or hung process), of $kind or of
// every kind when $kind is null; a job without a lease predates leases. Never the caller's own
// ($owner): a live process's jobs are alive. Run under the lock.
MATCH (j:Job)
WHERE j.status IN ['QUEUED', 'RUNNING'] AND coalesce(j.leaseUntil, 0) < timestamp()
  AND ($kind IS NULL OR j.kind = $kind) AND coalesce(j.owner, '') <> coalesce($owner, '')
SET j.status = 'FAILED',
    j.error = 'interrupted: owner ' + coalesce(j.owner, 'unknown') + ' stopped heartbeating',
    j.finishedAt = toString(datetime())
RETURN j.id AS id
