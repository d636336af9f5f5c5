// For each product, its co-purchases (DataLoader batch; `boughtWith`, and `alsoBought` their
// products): one hop over the current co-purchase version's BOUGHT_WITH edges
// (jobs/copurchase.py computes them), from the product's unique index, best first, with each
// edge's shared buyers and score. Empty before any computation.
OPTIONAL MATCH (s:CoPurchaseState {id: 'current'})
WITH coalesce(s.version, 0) AS current
UNWIND $keys AS key
MATCH (p:Product {code: key})-[r:BOUGHT_WITH]->(other:Product)
WHERE r.version = current AND r.rank <= $first
WITH key, r, other
ORDER BY r.rank
RETURN key, collect({
  product: other {.code, .name, .productCode, .description, .hasImage},
  shared: r.shared, score: r.score, rank: r.rank
}) AS value
