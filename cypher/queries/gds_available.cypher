SHOW PROCEDURES YIELD name
WHERE name = 'gds.knn.stream'
RETURN count(*) > 0 AS available
