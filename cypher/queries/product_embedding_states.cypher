// Whether each product has an image embedding on the products shard (DataLoader batch).
UNWIND $keys AS key
MATCH (p:Product {code: key})
RETURN key, p.embedding IS NOT NULL AS value
