// Tests: every relationship, its ends named by their label and key, with its properties.
MATCH (a)-[r]->(b)
RETURN type(r) AS type, labels(a) AS fromLabels, coalesce(a.code, a.id, a.number, a.name) AS from,
       labels(b) AS toLabels, coalesce(b.code, b.id, b.number, b.name) AS to,
       properties(r) AS props
