// bench/copurchase's reference: alsoBought as it was, a live two-hop walk per product
// (Product <- Customer -> Product), ranked by distinct shared buyers, then code.
UNWIND $keys AS key
MATCH (p:Product {code: key})<-[:PURCHASED]-(c:Customer)
WITH DISTINCT key, p, c
MATCH (c)-[:PURCHASED]->(other:Product)
WHERE other <> p
WITH key, other, count(DISTINCT c) AS buyers
ORDER BY buyers DESC, other.code
WITH key, collect(other {.code, .name, .productCode, .description, .hasImage})[..$first] AS value
RETURN key, value
