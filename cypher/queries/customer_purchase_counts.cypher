// How many purchases (transaction rows) each customer has (DataLoader batch).
UNWIND $keys AS key
MATCH (c:Customer {id: key})
RETURN key, COUNT { (c)-[:PURCHASED]->() } AS value
