// Tests and benchmarks only: empties a shard in bounded transactions, schema kept.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
