MERGE (s:LoadState {key: $key})
SET s.line = $line, s.file = $file, s.updatedAt = datetime()
