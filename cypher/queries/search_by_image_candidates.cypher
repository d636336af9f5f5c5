// Products-shard part of a search by image: the $k products nearest to $vector by the vector
// index, among vectors from the same $model (others are not comparable). The index's cosine
// score is (1 + cos) / 2; it is returned as cos, on the scale of SIMILAR scores.
CALL db.index.vector.queryNodes('product_embedding', $k, $vector) YIELD node, score
WHERE node.model = $model
WITH {source: null, code: node.code, score: 2 * score - 1} AS row
RETURN row
