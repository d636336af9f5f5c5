// The rows of a purchase batch that name a customer or an article the shard does not hold.
UNWIND $rows AS r
WITH r,
     NOT EXISTS { (:Customer {id: r.customer}) } AS unknownCustomer,
     NOT EXISTS { (:Product {code: r.article}) } AS unknownArticle
WHERE unknownCustomer OR unknownArticle
RETURN r.line AS line, r.customer AS customer, r.article AS article,
       unknownCustomer, unknownArticle
