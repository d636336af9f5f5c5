// Tests: every node but the load watermarks (their updatedAt is the time of the load), with
// its labels and properties, for comparing two loads of the same files.
MATCH (n)
WHERE NOT n:LoadState
RETURN labels(n) AS labels, properties(n) AS props
