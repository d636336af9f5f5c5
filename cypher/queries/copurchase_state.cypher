// The co-purchase version readers follow (0 before the first computation) and how it was made.
OPTIONAL MATCH (s:CoPurchaseState {id: 'current'})
RETURN coalesce(s.version, 0) AS version, s.topN AS topN, s.weeks AS weeks,
       s.computedAt AS computedAt, s.products AS products
