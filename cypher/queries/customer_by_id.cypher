// Customers by id (DataLoader batch). Postal codes are personal data: never read here.
UNWIND $keys AS key
MATCH (c:Customer {id: key})
RETURN key, c {.id, .age, .clubMemberStatus, .fashionNewsFrequency} AS value
