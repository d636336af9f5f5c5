// Tests: the shard's indexes (constraints' own included) by name, which a reset keeps.
SHOW INDEXES YIELD name
RETURN name
ORDER BY name
