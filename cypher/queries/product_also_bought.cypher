// For each product, the products most often bought by its buyers (DataLoader batch): one hop
// over the current co-purchase version's BOUGHT_WITH edges (jobs/copurchase.py computes them),
// found from the product's unique index, best first. Empty before any computation.
OPTIONAL MATCH (s:CoPurchaseState {id: 'current'})
WITH coalesce(s.version, 0) AS current
UNWIND $keys AS key
MATCH (p:Product {code: key})-[r:BOUGHT_WITH]->(other:Product)
WHERE r.version = current AND r.rank <= $first
WITH key, r, other
ORDER BY r.rank
RETURN key, collect(other {.code, .name, .productCode, .description, .hasImage}) AS value
