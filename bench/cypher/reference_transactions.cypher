// bench/ingest's reference load: the server reads the CSV at $url itself, 1000 rows a transaction.
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MATCH (c:Customer {id: row.customer_id})
  MATCH (p:Product {code: row.article_id})
  CREATE (c)-[:PURCHASED {date: date(row.t_dat), price: toFloat(row.price),
                          salesChannel: toInteger(row.sales_channel_id)}]->(p)
} IN TRANSACTIONS OF 1000 ROWS
