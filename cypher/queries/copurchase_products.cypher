// Every product code in code order: the co-purchase matrix's columns.
MATCH (p:Product)
RETURN p.code AS code
ORDER BY p.code
