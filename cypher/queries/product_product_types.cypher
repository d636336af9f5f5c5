// The product type of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:SUBSET_OF]->(n:ProductType)
RETURN key, n {.number, .name} AS value
