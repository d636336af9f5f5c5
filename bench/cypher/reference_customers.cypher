// bench/ingest's reference load: the server reads the CSV at $url itself, 1000 rows a transaction.
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MERGE (c:Customer {id: row.customer_id})
  SET c.fn = toInteger(toFloat(row.FN)), c.active = toInteger(toFloat(row.Active)),
      c.clubMemberStatus = row.club_member_status, c.fashionNewsFrequency = row.fashion_news_frequency,
      c.age = toInteger(row.age), c.postalCode = row.postal_code
} IN TRANSACTIONS OF 1000 ROWS
