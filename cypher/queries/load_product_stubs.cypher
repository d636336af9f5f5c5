// One batch of articles into the products shard: the node that embeddings and SIMILAR hang on.
UNWIND $rows AS r
MERGE (p:Product {code: r.code})
SET p.hasImage = r.hasImage
RETURN count(*) AS rows
