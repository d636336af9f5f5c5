CREATE CONSTRAINT product_code IF NOT EXISTS FOR (n:Product) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT load_state_key IF NOT EXISTS FOR (n:LoadState) REQUIRE n.key IS UNIQUE;
CALL db.awaitIndexes(300)
