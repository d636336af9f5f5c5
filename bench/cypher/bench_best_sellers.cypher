// bench/copurchase: the products with the most purchases (transaction rows).
MATCH (p:Product)
WITH p, COUNT { (p)<-[:PURCHASED]-() } AS purchases
ORDER BY purchases DESC, p.code
LIMIT $limit
RETURN p.code AS code, purchases
