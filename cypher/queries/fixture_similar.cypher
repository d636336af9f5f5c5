// Tests and benchmarks only, until the similarity recompute writes them: SIMILAR edges from rows.
UNWIND $rows AS r
MATCH (src:Product {code: r.source}), (n:Product {code: r.code})
CREATE (src)-[:SIMILAR {score: r.score, rank: r.rank}]->(n)
RETURN count(*) AS written
