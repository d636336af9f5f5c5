// How many products each department holds (DataLoader batch).
UNWIND $keys AS key
MATCH (d:Department {number: key})
RETURN key, COUNT { (d)<-[:FROM_DEPARTMENT]-(:Product) } AS value
