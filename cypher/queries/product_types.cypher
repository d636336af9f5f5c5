MATCH (t:ProductType)
RETURN t {.number, .name} AS productType
ORDER BY t.number
