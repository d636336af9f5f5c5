MATCH (j:Job {id: $id})
SET j += $fields, j.updatedAt = datetime()
RETURN j {.*} AS job
