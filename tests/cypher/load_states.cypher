// Tests: the load watermarks, without the time they were written.
MATCH (s:LoadState)
RETURN s.key AS key, s.line AS line, s.file AS file
ORDER BY key
