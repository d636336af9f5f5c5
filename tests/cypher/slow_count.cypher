// Deliberately slow (10^10 rows, a few at a time): what a request's deadline must stop. Only
// the deadline tests send it, in place of a production query's text.
UNWIND range(1, 100000) AS a
UNWIND range(1, 100000) AS b
WITH a, b
WHERE a * b < 0
RETURN count(*) AS n
