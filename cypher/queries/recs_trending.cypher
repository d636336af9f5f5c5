// Recommendations: the best sellers (purchases) of the $days days before $end that pass the
// filters, most sold first: the $limit best overall, and the $limit best of each index group
// number in $groups.
MATCH (p:Product)<-[r:PURCHASED]-()
WHERE $end - duration({days: $days}) <= r.date < $end
WITH p, count(r) AS sold
WHERE ($departmentNumber IS NULL
       OR EXISTS { (p)-[:FROM_DEPARTMENT]->(:Department {number: $departmentNumber}) })
  AND ($productTypeNumber IS NULL
       OR EXISTS { (p)-[:SUBSET_OF]->(:ProductType {number: $productTypeNumber}) })
  AND ($indexGroup IS NULL
       OR EXISTS { (p)-[:HAS_INDEX]->(:Index)-[:HAS_GROUP]->(g:IndexGroup)
                   WHERE toLower(g.name) = toLower($indexGroup) })
OPTIONAL MATCH (p)-[:HAS_INDEX]->(:Index)-[:HAS_GROUP]->(group:IndexGroup)
WITH p.code AS code, sold, group.number AS indexGroup
ORDER BY sold DESC, code
WITH collect({code: code, sold: sold, indexGroup: indexGroup}) AS ranked
RETURN ranked[..$limit] AS best,
       [number IN $groups |
        {indexGroup: number, best: [x IN ranked WHERE x.indexGroup = number][..$limit]}] AS inGroups
