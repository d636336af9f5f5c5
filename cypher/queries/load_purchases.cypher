// One batch of transaction rows. Each row is one purchase (identical rows are repeat purchases),
// so relationships are created, not merged; the caller's load watermark makes a re-run skip
// rows already written. Rows naming an unknown customer or article come back to be reported.
UNWIND $rows AS r
OPTIONAL MATCH (c:Customer {id: r.customer})
OPTIONAL MATCH (p:Product {code: r.article})
FOREACH (_ IN CASE WHEN c IS NULL OR p IS NULL THEN [] ELSE [1] END |
  CREATE (c)-[:PURCHASED {date: r.date, price: r.price, salesChannel: r.channel, line: r.line}]->(p))
WITH r, c, p
WHERE c IS NULL OR p IS NULL
RETURN r.line AS line, r.customer AS customer, r.article AS article,
       c IS NULL AS unknownCustomer, p IS NULL AS unknownArticle
