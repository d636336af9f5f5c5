OPTIONAL MATCH (s:SimilarityState {id: 'current'})
RETURN coalesce(s.version, 0) AS version, s.method AS method, s.topK AS topK,
       s.computedAt AS computedAt, s.products AS products
