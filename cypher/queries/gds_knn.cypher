// The reference KNN (gds.knn, cosine), streamed back so it is written like the other methods.
CALL gds.knn.stream($graph, {
  nodeProperties: {embedding: 'COSINE'}, topK: $topK, similarityCutoff: $cutoff,
  concurrency: $concurrency, randomSeed: $randomSeed
})
YIELD node1, node2, similarity
RETURN gds.util.asNode(node1).code AS source, gds.util.asNode(node2).code AS code,
       similarity AS score
