// A finished load of a transactions file: one watermark at its last line, the partitions' gone.
MERGE (s:LoadState {key: $key})
SET s.line = $line, s.file = $file, s.updatedAt = datetime()
WITH s
OPTIONAL MATCH (p:LoadState)
WHERE p.key STARTS WITH $key + '#'
DELETE p
