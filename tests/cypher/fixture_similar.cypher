// Tests and the API benchmark: SIMILAR edges from given rows, so their scores are known.
UNWIND $rows AS r
MATCH (src:Product {code: r.source}), (n:Product {code: r.code})
CREATE (src)-[:SIMILAR {score: r.score, rank: r.rank}]->(n)
RETURN count(*) AS written
