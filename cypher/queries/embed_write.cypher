// One batch of vectors: stored as a float32 vector property (what the vector index reads).
UNWIND $rows AS r
MATCH (p:Product {code: r.code})
CALL db.create.setNodeVectorProperty(p, 'embedding', r.vector)
SET p.embeddedAt = datetime(), p.model = $model
REMOVE p.embedError
RETURN count(*) AS written
