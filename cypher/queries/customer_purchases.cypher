// One page of each customer's purchases, newest first (DataLoader batch): by date, then the
// transactions file line, then product code, after the cursor's (date, line, code) when given.
UNWIND $keys AS key
CALL (key) {
  MATCH (:Customer {id: key})-[r:PURCHASED]->(p:Product)
  WITH r, p, coalesce(r.line, 0) AS line
  WHERE $afterDate IS NULL
     OR r.date < $afterDate
     OR (r.date = $afterDate AND (line < $afterLine OR (line = $afterLine AND p.code > $afterCode)))
  ORDER BY r.date DESC, line DESC, p.code
  LIMIT $limit
  RETURN collect({date: r.date, line: line, price: r.price, salesChannel: r.salesChannel,
                  product: p {.code, .name, .productCode, .description, .hasImage}}) AS value
}
RETURN key, value
