// The one write that makes a recompute visible: readers follow the current version.
MERGE (s:SimilarityState {id: 'current'})
SET s.version = $version, s.method = $method, s.topK = $topK, s.cutoff = $cutoff,
    s.computedAt = $computedAt, s.products = $products, s.recall = $recall
RETURN s.version AS version
