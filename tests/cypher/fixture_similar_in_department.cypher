// Tests: SIMILAR_IN_DEPARTMENT edges from given rows, as the similarity recompute writes them.
UNWIND $rows AS r
MATCH (src:Product {code: r.source}), (n:Product {code: r.code})
CREATE (src)-[:SIMILAR_IN_DEPARTMENT {score: r.score, rank: r.rank}]->(n)
RETURN count(*) AS written
