// Products by code (DataLoader batch).
UNWIND $keys AS key
MATCH (p:Product {code: key})
RETURN key, p {.code, .name, .productCode, .description, .hasImage} AS value
