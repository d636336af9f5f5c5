// One page of customers in id order after the cursor's id ("" for the first page), optionally
// only ids starting with $idPrefix. The filter is repeated in customers_count.cypher.
MATCH (c:Customer)
WHERE c.id > $after AND ($idPrefix IS NULL OR c.id STARTS WITH $idPrefix)
RETURN c {.id, .age, .clubMemberStatus, .fashionNewsFrequency} AS customer
ORDER BY c.id
LIMIT $limit
