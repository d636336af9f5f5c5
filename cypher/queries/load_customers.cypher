UNWIND $rows AS r
MERGE (c:Customer {id: r.id})
SET c += r.props
RETURN count(*) AS rows
