// The category nodes one batch of articles names, each distinct one once (the caller dedupes),
// with the links between categories. Names are set on create only: the first spelling wins.
FOREACH (x IN $departments |
  MERGE (d:Department {number: x.number}) ON CREATE SET d.name = x.name
  FOREACH (_ IN CASE WHEN x.sectionNo IS NULL THEN [] ELSE [1] END |
    MERGE (s:Section {number: x.sectionNo}) ON CREATE SET s.name = x.sectionName
    MERGE (d)-[:FROM_SECTION]->(s)))
FOREACH (x IN $productTypes |
  MERGE (t:ProductType {number: x.number}) ON CREATE SET t.name = x.name
  FOREACH (_ IN CASE WHEN x.groupName IS NULL THEN [] ELSE [1] END |
    MERGE (g:ProductGroup {name: x.groupName})
    MERGE (t)-[:SUBSET_OF]->(g)))
FOREACH (x IN $indexes |
  MERGE (i:Index {code: x.code}) ON CREATE SET i.name = x.name
  FOREACH (_ IN CASE WHEN x.groupNo IS NULL THEN [] ELSE [1] END |
    MERGE (ig:IndexGroup {number: x.groupNo}) ON CREATE SET ig.name = x.groupName
    MERGE (i)-[:HAS_GROUP]->(ig)))
FOREACH (x IN $garmentGroups |
  MERGE (n:GarmentGroup {number: x.number}) ON CREATE SET n.name = x.name)
FOREACH (x IN $graphicalAppearances |
  MERGE (n:GraphicalAppearance {number: x.number}) ON CREATE SET n.name = x.name)
FOREACH (x IN $colourGroups |
  MERGE (n:ColourGroup {code: x.number}) ON CREATE SET n.name = x.name)
FOREACH (x IN $perceivedColourValues |
  MERGE (n:PerceivedColourValue {id: x.number}) ON CREATE SET n.name = x.name)
FOREACH (x IN $perceivedColourMasters |
  MERGE (n:PerceivedColourMaster {id: x.number}) ON CREATE SET n.name = x.name)
