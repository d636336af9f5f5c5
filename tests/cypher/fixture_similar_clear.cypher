// Tests: removes every SIMILAR and SIMILAR_IN_DEPARTMENT edge.
MATCH ()-[s:SIMILAR|SIMILAR_IN_DEPARTMENT]->()
DELETE s
RETURN count(*) AS deleted
