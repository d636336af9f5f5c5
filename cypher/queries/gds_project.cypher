// GDS method: an in-memory projection of the embedded products (the reference pipeline's input).
MATCH (p:Product)
WHERE p.embedding IS NOT NULL
WITH gds.graph.project($graph, p, null, {sourceNodeProperties: p {.embedding}, targetNodeProperties: null}) AS g
RETURN g.nodeCount AS nodes
