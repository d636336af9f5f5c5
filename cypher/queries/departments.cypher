MATCH (d:Department)
RETURN d {.number, .name} AS department
ORDER BY d.number
