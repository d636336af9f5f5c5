// The department of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:FROM_DEPARTMENT]->(n:Department)
RETURN key, n {.number, .name} AS value
