// How many customers match the filter of customers_page.cypher (same condition, no cursor).
MATCH (c:Customer)
WHERE $idPrefix IS NULL OR c.id STARTS WITH $idPrefix
RETURN count(c) AS total
