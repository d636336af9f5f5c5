// One batch of transaction rows. Each row is one purchase (identical rows are repeat purchases),
// so relationships are created, not merged; the caller's load watermark makes a re-run skip
// rows already written. A row naming an unknown customer or article matches nothing and is
// left out; the count tells the caller to look for those rows (load_purchases_unknown).
UNWIND $rows AS r
MATCH (c:Customer {id: r.customer})
MATCH (p:Product {code: r.article})
CREATE (c)-[:PURCHASED {date: r.date, price: r.price, salesChannel: r.channel, line: r.line}]->(p)
RETURN count(*) AS created
