// For each product, the products bought by the most of its buyers (DataLoader batch):
// ranked by how many distinct customers bought both, then by code.
UNWIND $keys AS key
MATCH (p:Product {code: key})<-[:PURCHASED]-(c:Customer)
WITH DISTINCT key, p, c
MATCH (c)-[:PURCHASED]->(other:Product)
WHERE other <> p
WITH key, other, count(DISTINCT c) AS buyers
ORDER BY buyers DESC, other.code
WITH key, collect(other {.code, .name, .productCode, .description, .hasImage})[..$first] AS value
RETURN key, value
