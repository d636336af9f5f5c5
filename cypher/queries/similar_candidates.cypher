// Products-shard part of the similarity read: each source's neighbours of the current
// similarity version, best first, at most $limit. With $sameDepartment the department-restricted
// neighbours (SIMILAR_IN_DEPARTMENT, written by the recompute) are read when the source has them;
// otherwise the global SIMILAR neighbours, which the transactions-shard part filters by department.
// Edges written without a version (before any recompute) count as version 0.
OPTIONAL MATCH (state:SimilarityState {id: 'current'})
WITH coalesce(state.version, 0) AS current
UNWIND $codes AS source
MATCH (src:Product {code: source})
WITH current, source, src,
     CASE WHEN $sameDepartment
               AND EXISTS { (src)-[d:SIMILAR_IN_DEPARTMENT]->() WHERE coalesce(d.version, 0) = current }
          THEN 'SIMILAR_IN_DEPARTMENT' ELSE 'SIMILAR' END AS relType
MATCH (src)-[s:SIMILAR|SIMILAR_IN_DEPARTMENT]->(n:Product)
WHERE type(s) = relType AND coalesce(s.version, 0) = current
  AND ($minScore IS NULL OR s.score >= $minScore)
WITH source, s.score AS score, n.code AS code
ORDER BY score DESC, code
WITH source, collect({source: source, code: code, score: score})[..$limit] AS hits
UNWIND hits AS row
RETURN row
