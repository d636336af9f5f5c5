// Deletes every neighbour edge not of the current version: the superseded set after a flip, or
// what a failed recompute left half-written. Auto-commit, in bounded transactions.
OPTIONAL MATCH (s:SimilarityState {id: 'current'})
WITH coalesce(s.version, 0) AS current
MATCH ()-[r:SIMILAR|SIMILAR_IN_DEPARTMENT]->()
WHERE coalesce(r.version, 0) <> current
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
