// Every node label's and relationship type's count on one shard: two loads compare equal.
CALL () {
  MATCH (n)
  UNWIND labels(n) AS name
  RETURN 'node' AS kind, name, count(*) AS n
  UNION ALL
  MATCH ()-[r]->()
  RETURN 'relationship' AS kind, type(r) AS name, count(*) AS n
}
RETURN kind, name, n
ORDER BY kind, name
