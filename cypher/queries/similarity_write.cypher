// One batch of neighbour lists under a new version, invisible to readers until the flip.
UNWIND $rows AS r
MATCH (a:Product {code: r.code})
UNWIND r.neighbours AS nb
MATCH (b:Product {code: nb.code})
CREATE (a)-[:SIMILAR {score: nb.score, rank: nb.rank, version: $version, method: $method,
                      computedAt: $computedAt}]->(b)
RETURN count(*) AS written
