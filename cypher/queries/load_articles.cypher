// One batch of articles.csv rows into the transactions shard: the product and its category graph.
// Category names are set on create only, so the first spelling seen wins.
UNWIND $rows AS r
MERGE (p:Product {code: r.code})
SET p += r.props
FOREACH (_ IN CASE WHEN r.departmentNo IS NULL THEN [] ELSE [1] END |
  MERGE (d:Department {number: r.departmentNo}) ON CREATE SET d.name = r.departmentName
  MERGE (p)-[:FROM_DEPARTMENT]->(d)
  FOREACH (_ IN CASE WHEN r.sectionNo IS NULL THEN [] ELSE [1] END |
    MERGE (s:Section {number: r.sectionNo}) ON CREATE SET s.name = r.sectionName
    MERGE (d)-[:FROM_SECTION]->(s)))
FOREACH (_ IN CASE WHEN r.productTypeNo IS NULL THEN [] ELSE [1] END |
  MERGE (t:ProductType {number: r.productTypeNo}) ON CREATE SET t.name = r.productTypeName
  MERGE (p)-[:SUBSET_OF]->(t)
  FOREACH (_ IN CASE WHEN r.productGroupName IS NULL THEN [] ELSE [1] END |
    MERGE (g:ProductGroup {name: r.productGroupName})
    MERGE (t)-[:SUBSET_OF]->(g)))
FOREACH (_ IN CASE WHEN r.indexCode IS NULL THEN [] ELSE [1] END |
  MERGE (i:Index {code: r.indexCode}) ON CREATE SET i.name = r.indexName
  MERGE (p)-[:HAS_INDEX]->(i)
  FOREACH (_ IN CASE WHEN r.indexGroupNo IS NULL THEN [] ELSE [1] END |
    MERGE (ig:IndexGroup {number: r.indexGroupNo}) ON CREATE SET ig.name = r.indexGroupName
    MERGE (i)-[:HAS_GROUP]->(ig)))
FOREACH (_ IN CASE WHEN r.garmentGroupNo IS NULL THEN [] ELSE [1] END |
  MERGE (gg:GarmentGroup {number: r.garmentGroupNo}) ON CREATE SET gg.name = r.garmentGroupName
  MERGE (p)-[:HAS_GARMENT_GROUP]->(gg))
FOREACH (_ IN CASE WHEN r.graphicalAppearanceNo IS NULL THEN [] ELSE [1] END |
  MERGE (ga:GraphicalAppearance {number: r.graphicalAppearanceNo}) ON CREATE SET ga.name = r.graphicalAppearanceName
  MERGE (p)-[:HAS_APPEARANCE_TYPE]->(ga))
FOREACH (_ IN CASE WHEN r.colourGroupCode IS NULL THEN [] ELSE [1] END |
  MERGE (cg:ColourGroup {code: r.colourGroupCode}) ON CREATE SET cg.name = r.colourGroupName
  MERGE (p)-[:HAS_COLOUR]->(cg))
FOREACH (_ IN CASE WHEN r.perceivedColourValueId IS NULL THEN [] ELSE [1] END |
  MERGE (pv:PerceivedColourValue {id: r.perceivedColourValueId}) ON CREATE SET pv.name = r.perceivedColourValueName
  MERGE (p)-[:HAS_PERCEIVED_COLOUR_VALUE]->(pv))
FOREACH (_ IN CASE WHEN r.perceivedColourMasterId IS NULL THEN [] ELSE [1] END |
  MERGE (pm:PerceivedColourMaster {id: r.perceivedColourMasterId}) ON CREATE SET pm.name = r.perceivedColourMasterName
  MERGE (p)-[:HAS_PERCEIVED_COLOUR_MASTER]->(pm))
RETURN count(*) AS rows
