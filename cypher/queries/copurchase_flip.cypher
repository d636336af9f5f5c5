// The one write that makes a co-purchase computation visible: readers follow the current version.
MERGE (s:CoPurchaseState {id: 'current'})
SET s.version = $version, s.topN = $topN, s.weeks = $weeks, s.computedAt = $computedAt,
    s.products = $products
RETURN s.version AS version
