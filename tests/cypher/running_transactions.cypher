// The server's open transactions tagged with a query name (cypher.shards.metadata).
SHOW TRANSACTIONS YIELD transactionId, metaData, elapsedTime
WHERE metaData.query = $query
RETURN transactionId, elapsedTime
