CREATE CONSTRAINT product_code IF NOT EXISTS FOR (n:Product) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT department_number IF NOT EXISTS FOR (n:Department) REQUIRE n.number IS UNIQUE;
CREATE CONSTRAINT product_type_number IF NOT EXISTS FOR (n:ProductType) REQUIRE n.number IS UNIQUE;
CREATE CONSTRAINT product_group_name IF NOT EXISTS FOR (n:ProductGroup) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT section_number IF NOT EXISTS FOR (n:Section) REQUIRE n.number IS UNIQUE;
CREATE CONSTRAINT index_code IF NOT EXISTS FOR (n:Index) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT index_group_number IF NOT EXISTS FOR (n:IndexGroup) REQUIRE n.number IS UNIQUE;
CREATE CONSTRAINT garment_group_number IF NOT EXISTS FOR (n:GarmentGroup) REQUIRE n.number IS UNIQUE;
CREATE CONSTRAINT graphical_appearance_number IF NOT EXISTS FOR (n:GraphicalAppearance) REQUIRE n.number IS UNIQUE;
CREATE CONSTRAINT colour_group_code IF NOT EXISTS FOR (n:ColourGroup) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT perceived_colour_value_id IF NOT EXISTS FOR (n:PerceivedColourValue) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT perceived_colour_master_id IF NOT EXISTS FOR (n:PerceivedColourMaster) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT customer_id IF NOT EXISTS FOR (n:Customer) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT load_state_key IF NOT EXISTS FOR (n:LoadState) REQUIRE n.key IS UNIQUE;
CREATE INDEX product_name IF NOT EXISTS FOR (n:Product) ON (n.name);
CREATE INDEX product_has_image IF NOT EXISTS FOR (n:Product) ON (n.hasImage);
CREATE INDEX purchased_date IF NOT EXISTS FOR ()-[r:PURCHASED]-() ON (r.date);
CREATE INDEX bought_with_version IF NOT EXISTS FOR ()-[r:BOUGHT_WITH]-() ON (r.version);
CALL db.awaitIndexes(300)
