// Products-shard part of a search by image: the $topK products nearest to $vector among the
// vector index's $k nearest, keeping only vectors from the same $model (others are not
// comparable). The index cannot filter by model (Neo4j 5.26 has no filtered vector search), so
// while fewer than $topK are found the caller asks again with a larger $k; `exhausted` says the
// index had fewer than $k vectors in all, so a larger $k would find no more.
// The index's cosine score is (1 + cos) / 2; it is returned as cos, on the scale of SIMILAR scores.
CALL db.index.vector.queryNodes('product_embedding', $k, $vector) YIELD node, score
WITH node, 2 * score - 1 AS score
ORDER BY score DESC, node.code
WITH count(*) AS seen,
     collect(CASE WHEN node.model = $model THEN {code: node.code, score: score} END) AS hits
UNWIND hits[..$topK] AS hit
WITH {source: null, code: hit.code, score: hit.score, exhausted: seen < $k} AS row
RETURN row
