// Every watermark of one transactions file: its own key (the whole file up to `line`) and the
// keys of its partitions (`<key>#<i>/<n>`, each partition up to `line`) while a load runs.
MATCH (s:LoadState)
WHERE s.key = $key OR s.key STARTS WITH $key + '#'
RETURN s.key AS key, s.line AS line
