// Products-shard part of the similarity read: each source's neighbours, best first, at most
// $limit. With $sameDepartment the department-restricted neighbours (SIMILAR_IN_DEPARTMENT,
// written by the similarity recompute) are read when the source has them; otherwise the global
// SIMILAR neighbours, which the transactions-shard part filters by department.
// Only edges of the current SimilarityState version are read, so a recompute in progress (new
// version, not yet flipped) or one that failed half-way is never seen.
OPTIONAL MATCH (state:SimilarityState {id: 'current'})
WITH coalesce(state.version, 0) AS version
UNWIND $codes AS source
MATCH (src:Product {code: source})
WITH version, source, src,
     CASE WHEN $sameDepartment
               AND EXISTS { (src)-[d:SIMILAR_IN_DEPARTMENT]->() WHERE coalesce(d.version, 0) = version }
          THEN 'SIMILAR_IN_DEPARTMENT' ELSE 'SIMILAR' END AS relType
MATCH (src)-[s:SIMILAR|SIMILAR_IN_DEPARTMENT]->(n:Product)
WHERE type(s) = relType AND coalesce(s.version, 0) = version
  AND ($minScore IS NULL OR s.score >= $minScore)
WITH source, s.score AS score, n.code AS code
ORDER BY score DESC, code
WITH source, collect({source: source, code: code, score: score})[..$limit] AS hits
UNWIND hits AS row
RETURN row
