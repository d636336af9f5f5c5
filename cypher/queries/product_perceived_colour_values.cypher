// The perceived colour value of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:HAS_PERCEIVED_COLOUR_VALUE]->(n:PerceivedColourValue)
RETURN key, n {.id, .name} AS value
