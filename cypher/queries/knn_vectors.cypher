// The embedded products, a page at a time in code order (keyset pagination on the unique index).
MATCH (p:Product)
WHERE p.code > $after AND p.embedding IS NOT NULL
RETURN p.code AS code, p.embedding AS embedding
ORDER BY p.code
LIMIT $limit
