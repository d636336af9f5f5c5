// bench/ingest's reference load: the server reads the CSV at $url itself, 1000 rows a transaction.
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MERGE (:Product {code: row.article_id})
} IN TRANSACTIONS OF 1000 ROWS
