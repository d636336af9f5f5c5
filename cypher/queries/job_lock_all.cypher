// Every kind's lock (see job_lock), in one order so two sweeps wait rather than deadlock.
MATCH (l:JobLock)
WITH l ORDER BY l.kind
SET l.lockedAt = timestamp()
RETURN count(l) AS locked
