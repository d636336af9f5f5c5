// One page of the co-purchase job's input: customers in id order after $after (keyset on the
// unique index, so memory stays bounded whatever the table's size), each with the codes of the
// products it bought (only those bought after $since when given; repeats included).
MATCH (c:Customer)
WHERE c.id > $after
WITH c
ORDER BY c.id
LIMIT $limit
RETURN c.id AS customer,
       [(c)-[r:PURCHASED]->(p:Product) WHERE $since IS NULL OR r.date > $since | p.code] AS codes
