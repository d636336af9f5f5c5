// The section of each department (DataLoader batch).
UNWIND $keys AS key
MATCH (:Department {number: key})-[:FROM_SECTION]->(s:Section)
RETURN key, s {.number, .name} AS value
