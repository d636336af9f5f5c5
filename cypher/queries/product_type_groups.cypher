// The product group of each product type (DataLoader batch).
UNWIND $keys AS key
MATCH (:ProductType {number: key})-[:SUBSET_OF]->(g:ProductGroup)
RETURN key, g {.name} AS value
