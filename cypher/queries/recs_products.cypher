// Recommendations: what the filters, the type cap and the answer need of each product named.
UNWIND $codes AS code
MATCH (p:Product {code: code})
OPTIONAL MATCH (p)-[:FROM_DEPARTMENT]->(d:Department)
OPTIONAL MATCH (p)-[:SUBSET_OF]->(t:ProductType)
OPTIONAL MATCH (p)-[:HAS_INDEX]->(:Index)-[:HAS_GROUP]->(g:IndexGroup)
RETURN p {.code, .name, .productCode, .description, .hasImage} AS product,
       d {.number, .name} AS department,
       t {.number, .name} AS productType,
       g {.number, .name} AS indexGroup
