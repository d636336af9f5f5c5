// The garment group of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:HAS_GARMENT_GROUP]->(n:GarmentGroup)
RETURN key, n {.number, .name} AS value
