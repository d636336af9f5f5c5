MATCH (j:Job)
RETURN j {.*} AS job
ORDER BY j.createdAt DESC
LIMIT $limit
