// Deletes every BOUGHT_WITH edge not of the current version: the superseded set after a flip
// (older versions), or what a failed computation left half-written (newer ones). Two range
// seeks on the relationship index, so the current set is not scanned. Auto-commit, bounded.
OPTIONAL MATCH (s:CoPurchaseState {id: 'current'})
WITH coalesce(s.version, 0) AS current
MATCH ()-[r:BOUGHT_WITH]->()
WHERE r.version < current
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
OPTIONAL MATCH (s:CoPurchaseState {id: 'current'})
WITH coalesce(s.version, 0) AS current
MATCH ()-[r:BOUGHT_WITH]->()
WHERE r.version > current
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
