// How many products match the filter of products_page.cypher (same conditions, no cursor).
MATCH (p:Product)
WHERE ($hasImage IS NULL OR p.hasImage = $hasImage)
  AND ($nameContains IS NULL OR toLower(p.name) CONTAINS toLower($nameContains))
  AND ($departmentNumber IS NULL
       OR EXISTS { (p)-[:FROM_DEPARTMENT]->(:Department {number: $departmentNumber}) })
  AND ($productTypeNumber IS NULL
       OR EXISTS { (p)-[:SUBSET_OF]->(:ProductType {number: $productTypeNumber}) })
  AND ($indexGroupNumber IS NULL
       OR EXISTS { (p)-[:HAS_INDEX]->(:Index)-[:HAS_GROUP]->(:IndexGroup {number: $indexGroupNumber}) })
  AND ($colourGroupCode IS NULL
       OR EXISTS { (p)-[:HAS_COLOUR]->(:ColourGroup {code: $colourGroupCode}) })
RETURN count(p) AS total
