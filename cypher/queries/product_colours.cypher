// The colour group of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:HAS_COLOUR]->(n:ColourGroup)
RETURN key, n {.code, .name} AS value
