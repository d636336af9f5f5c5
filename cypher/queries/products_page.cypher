// One page of products in code order after the cursor's code ("" for the first page).
// The filter is repeated in products_count.cypher; a test keeps the two in agreement.
MATCH (p:Product)
WHERE p.code > $after
  AND ($hasImage IS NULL OR p.hasImage = $hasImage)
  AND ($nameContains IS NULL OR toLower(p.name) CONTAINS toLower($nameContains))
  AND ($departmentNumber IS NULL
       OR EXISTS { (p)-[:FROM_DEPARTMENT]->(:Department {number: $departmentNumber}) })
  AND ($productTypeNumber IS NULL
       OR EXISTS { (p)-[:SUBSET_OF]->(:ProductType {number: $productTypeNumber}) })
  AND ($indexGroupNumber IS NULL
       OR EXISTS { (p)-[:HAS_INDEX]->(:Index)-[:HAS_GROUP]->(:IndexGroup {number: $indexGroupNumber}) })
  AND ($colourGroupCode IS NULL
       OR EXISTS { (p)-[:HAS_COLOUR]->(:ColourGroup {code: $colourGroupCode}) })
RETURN p {.code, .name, .productCode, .description, .hasImage} AS product
ORDER BY p.code
LIMIT $limit
