// One batch of articles.csv rows into the transactions shard: the products, linked to the
// category nodes that load_categories wrote just before (a blank key links nothing).
UNWIND $rows AS r
MERGE (p:Product {code: r.code})
SET p += r.props
WITH p, r
OPTIONAL MATCH (d:Department {number: r.departmentNo})
OPTIONAL MATCH (t:ProductType {number: r.productTypeNo})
OPTIONAL MATCH (i:Index {code: r.indexCode})
OPTIONAL MATCH (gg:GarmentGroup {number: r.garmentGroupNo})
OPTIONAL MATCH (ga:GraphicalAppearance {number: r.graphicalAppearanceNo})
OPTIONAL MATCH (cg:ColourGroup {code: r.colourGroupCode})
OPTIONAL MATCH (pv:PerceivedColourValue {id: r.perceivedColourValueId})
OPTIONAL MATCH (pm:PerceivedColourMaster {id: r.perceivedColourMasterId})
FOREACH (x IN CASE WHEN d IS NULL THEN [] ELSE [d] END | MERGE (p)-[:FROM_DEPARTMENT]->(x))
FOREACH (x IN CASE WHEN t IS NULL THEN [] ELSE [t] END | MERGE (p)-[:SUBSET_OF]->(x))
FOREACH (x IN CASE WHEN i IS NULL THEN [] ELSE [i] END | MERGE (p)-[:HAS_INDEX]->(x))
FOREACH (x IN CASE WHEN gg IS NULL THEN [] ELSE [gg] END | MERGE (p)-[:HAS_GARMENT_GROUP]->(x))
FOREACH (x IN CASE WHEN ga IS NULL THEN [] ELSE [ga] END | MERGE (p)-[:HAS_APPEARANCE_TYPE]->(x))
FOREACH (x IN CASE WHEN cg IS NULL THEN [] ELSE [cg] END | MERGE (p)-[:HAS_COLOUR]->(x))
FOREACH (x IN CASE WHEN pv IS NULL THEN [] ELSE [pv] END |
  MERGE (p)-[:HAS_PERCEIVED_COLOUR_VALUE]->(x))
FOREACH (x IN CASE WHEN pm IS NULL THEN [] ELSE [pm] END |
  MERGE (p)-[:HAS_PERCEIVED_COLOUR_MASTER]->(x))
RETURN count(*) AS rows
