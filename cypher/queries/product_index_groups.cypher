// The index group (through its index) of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:HAS_INDEX]->(:Index)-[:HAS_GROUP]->(n:IndexGroup)
RETURN key, n {.number, .name} AS value
