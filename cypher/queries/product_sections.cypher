// The section (through its department) of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:FROM_DEPARTMENT]->(:Department)-[:FROM_SECTION]->(n:Section)
RETURN key, n {.number, .name} AS value
