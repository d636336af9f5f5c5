// Each product's image embedding on the products shard (DataLoader batch): whether it has one,
// the model that made it and when it was written.
UNWIND $keys AS key
MATCH (p:Product {code: key})
WITH key, p, p.embedding IS NOT NULL AS embedded
RETURN key, {
  hasEmbedding: embedded,
  model: CASE WHEN embedded THEN p.model END,
  embeddedAt: CASE WHEN embedded THEN p.embeddedAt END
} AS value
