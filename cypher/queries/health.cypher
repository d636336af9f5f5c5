// Health check: the shard answers a query on its database.
RETURN 1 AS ok
