// Transactions-shard part of the similarity read, fed the products-shard rows: each neighbour's
// product, type and department. With $sameDepartment only neighbours in the source's own
// department are kept (never padded with others).
UNWIND $rows AS row
MATCH (p:Product {code: row.code})
OPTIONAL MATCH (p)-[:FROM_DEPARTMENT]->(d:Department)
OPTIONAL MATCH (p)-[:SUBSET_OF]->(t:ProductType)
WITH row, p, d, t
WHERE NOT $sameDepartment
   OR (d IS NOT NULL AND EXISTS { (:Product {code: row.source})-[:FROM_DEPARTMENT]->(d) })
RETURN row {
  .*,
  product: p {.code, .name, .productCode, .description, .hasImage},
  department: d {.number, .name},
  productType: t {.number, .name}
} AS row
