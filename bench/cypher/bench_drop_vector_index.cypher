// bench/knn: GDS reads the stored vectors, never the vector index, and inserting 100k vectors
// into it (HNSW) is most of the storing time: the benchmark's shard goes without it.
DROP INDEX product_embedding IF EXISTS
