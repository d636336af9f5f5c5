// The graphical appearance of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:HAS_APPEARANCE_TYPE]->(n:GraphicalAppearance)
RETURN key, n {.number, .name} AS value
