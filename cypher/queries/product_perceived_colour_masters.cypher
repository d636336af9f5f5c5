// The perceived colour master of each product (DataLoader batch).
UNWIND $keys AS key
MATCH (:Product {code: key})-[:HAS_PERCEIVED_COLOUR_MASTER]->(n:PerceivedColourMaster)
RETURN key, n {.id, .name} AS value
