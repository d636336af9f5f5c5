// Departments by number (DataLoader batch).
UNWIND $keys AS key
MATCH (d:Department {number: key})
RETURN key, d {.number, .name} AS value
