// Products whose image could not be embedded keep their previous vector, if any, and say why.
UNWIND $rows AS r
MATCH (p:Product {code: r.code})
SET p.embedError = r.reason
RETURN count(*) AS written
