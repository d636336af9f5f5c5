// bench/ingest's reference load: the server reads the CSV at $url itself, 1000 rows a transaction.
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MERGE (p:Product {code: row.article_id})
  SET p.name = row.prod_name, p.productCode = row.product_code, p.description = row.detail_desc
  MERGE (d:Department {number: toInteger(row.department_no)}) ON CREATE SET d.name = row.department_name
  MERGE (p)-[:FROM_DEPARTMENT]->(d)
  MERGE (s:Section {number: toInteger(row.section_no)}) ON CREATE SET s.name = row.section_name
  MERGE (d)-[:FROM_SECTION]->(s)
  MERGE (t:ProductType {number: toInteger(row.product_type_no)}) ON CREATE SET t.name = row.product_type_name
  MERGE (p)-[:SUBSET_OF]->(t)
  MERGE (g:ProductGroup {name: row.product_group_name})
  MERGE (t)-[:SUBSET_OF]->(g)
  MERGE (i:Index {code: row.index_code}) ON CREATE SET i.name = row.index_name
  MERGE (p)-[:HAS_INDEX]->(i)
  MERGE (ig:IndexGroup {number: toInteger(row.index_group_no)}) ON CREATE SET ig.name = row.index_group_name
  MERGE (i)-[:HAS_GROUP]->(ig)
  MERGE (gg:GarmentGroup {number: toInteger(row.garment_group_no)}) ON CREATE SET gg.name = row.garment_group_name
  MERGE (p)-[:HAS_GARMENT_GROUP]->(gg)
  MERGE (ga:GraphicalAppearance {number: toInteger(row.graphical_appearance_no)}) ON CREATE SET ga.name = row.graphical_appearance_name
  MERGE (p)-[:HAS_APPEARANCE_TYPE]->(ga)
  MERGE (cg:ColourGroup {code: toInteger(row.colour_group_code)}) ON CREATE SET cg.name = row.colour_group_name
  MERGE (p)-[:HAS_COLOUR]->(cg)
  MERGE (pv:PerceivedColourValue {id: toInteger(row.perceived_colour_value_id)}) ON CREATE SET pv.name = row.perceived_colour_value_name
  MERGE (p)-[:HAS_PERCEIVED_COLOUR_VALUE]->(pv)
  MERGE (pm:PerceivedColourMaster {id: toInteger(row.perceived_colour_master_id)}) ON CREATE SET pm.name = row.perceived_colour_master_name
  MERGE (p)-[:HAS_PERCEIVED_COLOUR_MASTER]->(pm)
} IN TRANSACTIONS OF 1000 ROWS
