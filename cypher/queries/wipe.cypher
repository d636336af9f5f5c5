// Tests and benchmarks only: empties a shard in bounded transactions, schema kept.
// Relationships go first, so no transaction has to detach a node with a million of them.
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (n)
CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS
