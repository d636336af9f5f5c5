// The newest purchase date (null without purchases), from the PURCHASED.date index: the end of
// a co-purchase time window. Also counts the customers, for the job's progress.
OPTIONAL MATCH ()-[r:PURCHASED]->()
WHERE r.date IS NOT NULL
WITH r.date AS newest
ORDER BY newest DESC
LIMIT 1
RETURN newest, COUNT { (:Customer) } AS customers
