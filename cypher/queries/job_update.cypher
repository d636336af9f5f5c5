MATCH (j:Job {id: $id})
SET j += $fields
RETURN j {.*} AS job
