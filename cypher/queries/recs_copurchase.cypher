// Recommendations: the BOUGHT_WITH edges of each source product, of the current CoPurchaseState
// version only (a recompute writes the next version before it flips the state), the
// $perSource best ranks of each.
OPTIONAL MATCH (state:CoPurchaseState {id: 'current'})
WITH state.version AS version
UNWIND $codes AS source
MATCH (:Product {code: source})-[b:BOUGHT_WITH]->(n:Product)
WHERE b.version = version AND b.rank <= $perSource
RETURN source, n.code AS code, b.score AS score, b.shared AS shared
ORDER BY source, b.rank
