// Recommendations: each customer's purchases strictly before the window's end (a batch), one
// entry per product, most recently bought first: how many times, when last, its recency weight
// (each purchase counts 0.5^(days before the end / $halfLifeDays)) and its index group.
// The end is $asOf, or without one the day after the last purchase in the shard (read through
// the PURCHASED.date index, in its order: one entry read, even with $asOf, since a condition on
// $asOf here would filter the scan's rows, not skip it); null when there is none.
CALL () {
  OPTIONAL MATCH ()-[r:PURCHASED]->()
  WHERE r.date IS NOT NULL
  WITH r.date AS date
  ORDER BY date DESC
  LIMIT 1
  RETURN coalesce($asOf, date + duration({days: 1})) AS end
}
UNWIND $customers AS customer
CALL (customer, end) {
  MATCH (:Customer {id: customer})-[r:PURCHASED]->(p:Product)
  WHERE r.date < end
  WITH p, count(r) AS times, max(r.date) AS last,
       sum(0.5 ^ (toFloat(duration.inDays(r.date, end).days) / $halfLifeDays)) AS weight
  OPTIONAL MATCH (p)-[:HAS_INDEX]->(:Index)-[:HAS_GROUP]->(g:IndexGroup)
  WITH p, times, last, weight, g
  ORDER BY last DESC, weight DESC, p.code
  RETURN collect({code: p.code, times: times, last: last, weight: weight,
                  indexGroup: g.number}) AS bought
}
RETURN customer, end, bought
