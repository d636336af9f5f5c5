// `fabric-gql reset`: empties a shard in bounded transactions; constraints and indexes stay.
// Relationships go first, so no transaction has to detach a node with a million of them.
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (n)
CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS
