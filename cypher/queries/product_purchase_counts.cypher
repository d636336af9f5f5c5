// How many purchases (transaction rows) each product has (DataLoader batch).
UNWIND $keys AS key
MATCH (p:Product {code: key})
RETURN key, COUNT { (p)<-[:PURCHASED]-() } AS value
