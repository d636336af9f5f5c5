// The index of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:HAS_INDEX]->(n:Index)
RETURN key, n {.code, .name} AS value
