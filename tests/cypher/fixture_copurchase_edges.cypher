// Tests: every BOUGHT_WITH edge, of whatever version.
MATCH (a:Product)-[r:BOUGHT_WITH]->(b:Product)
RETURN a.code AS code, b.code AS other, r.shared AS shared, r.score AS score, r.rank AS rank,
       r.version AS version
ORDER BY code, rank
