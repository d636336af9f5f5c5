CREATE (j:Job {id: $id, kind: $kind, status: 'QUEUED', processed: 0, total: 0, failed: 0,
               params: $params, createdAt: $createdAt})
RETURN j {.*} AS job
