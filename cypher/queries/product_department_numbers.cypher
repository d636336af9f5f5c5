// Transactions-shard part of the department-aware recompute: each product's department number.
UNWIND $codes AS code
MATCH (:Product {code: code})-[:FROM_DEPARTMENT]->(d:Department)
RETURN code, d.number AS department
