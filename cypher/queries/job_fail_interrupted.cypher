// At start-up nothing is running yet, so a job still marked running was cut off by a crash.
MATCH (j:Job)
WHERE j.status IN ['QUEUED', 'RUNNING']
SET j.status = 'FAILED', j.error = 'interrupted: the process stopped before the job finished',
    j.finishedAt = toString(datetime())
RETURN count(j) AS interrupted
