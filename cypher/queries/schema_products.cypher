CREATE CONSTRAINT product_code IF NOT EXISTS FOR (n:Product) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT load_state_key IF NOT EXISTS FOR (n:LoadState) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT job_id IF NOT EXISTS FOR (n:Job) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT job_lock_kind IF NOT EXISTS FOR (n:JobLock) REQUIRE n.kind IS UNIQUE;
CREATE CONSTRAINT similarity_state_id IF NOT EXISTS FOR (n:SimilarityState) REQUIRE n.id IS UNIQUE;
CREATE INDEX job_kind IF NOT EXISTS FOR (n:Job) ON (n.kind);
CREATE INDEX product_has_image IF NOT EXISTS FOR (n:Product) ON (n.hasImage);
CREATE VECTOR INDEX product_embedding IF NOT EXISTS
FOR (p:Product) ON (p.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: 2048, `vector.similarity_function`: 'cosine'}};
CALL db.awaitIndexes(300)
