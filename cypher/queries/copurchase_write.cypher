// One batch of co-purchase lists under a new version, invisible to readers until the flip.
UNWIND $rows AS r
MATCH (a:Product {code: r.code})
UNWIND r.others AS o
MATCH (b:Product {code: o.code})
CREATE (a)-[:BOUGHT_WITH {shared: o.shared, score: o.score, rank: o.rank, version: $version}]->(b)
RETURN count(*) AS written
