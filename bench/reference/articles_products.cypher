LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MERGE (:Product {code: row.article_id})
} IN TRANSACTIONS OF 1000 ROWS
