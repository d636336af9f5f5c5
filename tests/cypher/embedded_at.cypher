// The products that have a vector, and when it was stored: what a re-run of the embedding job
// may not touch.
MATCH (p:Product)
WHERE p.embedding IS NOT NULL
RETURN p.code AS code, toString(p.embeddedAt) AS embeddedAt
ORDER BY code
