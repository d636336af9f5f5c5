// Run once against the `system` database by the compose file's neo4j-init service (cypher-shell
// --file); every statement is idempotent, so running it again changes nothing.
//
// The transactions shard is the server's default database `neo4j`; the products shard is its
// own database on the same server, so the GDS plugin installed there serves it. The composite
// `fabric` holds one local alias per shard: the graph names the API puts in `USE` clauses
// (FABRIC_GQL_FABRIC_PRODUCTS_GRAPH / FABRIC_GQL_FABRIC_TRANSACTIONS_GRAPH).
CREATE DATABASE products IF NOT EXISTS WAIT;
CREATE COMPOSITE DATABASE fabric IF NOT EXISTS WAIT;
CREATE ALIAS fabric.products IF NOT EXISTS FOR DATABASE products;
CREATE ALIAS fabric.neo4j IF NOT EXISTS FOR DATABASE neo4j;
