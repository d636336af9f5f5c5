OPTIONAL MATCH (s:LoadState {key: $key})
RETURN s.line AS line
