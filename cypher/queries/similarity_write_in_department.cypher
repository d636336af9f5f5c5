// One batch of same-department neighbour lists under a new version (see similarity_write).
UNWIND $rows AS r
MATCH (a:Product {code: r.code})
UNWIND r.neighbours AS nb
MATCH (b:Product {code: nb.code})
CREATE (a)-[:SIMILAR_IN_DEPARTMENT {score: nb.score, rank: nb.rank, version: $version,
                                    method: $method, computedAt: $computedAt}]->(b)
RETURN count(*) AS written
