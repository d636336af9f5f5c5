// The rows of a purchase batch (parallel lists) that name a customer or an article the shard
// does not hold.
UNWIND range(0, size($lines) - 1) AS i
WITH i,
     NOT EXISTS { (:Customer {id: $customers[i]}) } AS unknownCustomer,
     NOT EXISTS { (:Product {code: $articles[i]}) } AS unknownArticle
WHERE unknownCustomer OR unknownArticle
RETURN $lines[i] AS line, $customers[i] AS customer, $articles[i] AS article,
       unknownCustomer, unknownArticle
