// One batch of transaction rows, as parallel lists. Each row is one purchase (identical rows
// are repeat purchases), so relationships are created, not merged; the caller's load watermark
// makes a re-run skip rows already written. A row naming an unknown customer or article matches
// nothing and is left out; the count tells the caller to look for those rows
// (load_purchases_unknown).
UNWIND range(0, size($lines) - 1) AS i
MATCH (c:Customer {id: $customers[i]})
MATCH (p:Product {code: $articles[i]})
CREATE (c)-[:PURCHASED {date: $dates[i], price: $prices[i], salesChannel: $channels[i],
                        line: $lines[i]}]->(p)
RETURN count(*) AS created
