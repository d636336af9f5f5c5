// bench/knn: products with given vectors, for the GDS KNN comparison.
UNWIND $rows AS r
MERGE (p:Product {code: r.code})
WITH p, r
CALL db.create.setNodeVectorProperty(p, 'embedding', r.vector)
RETURN count(*) AS written
