from __future__ import annotations

import strawberry

from jobs.knn import KnnMethod

# The similarity job's own enum is the GraphQL type: strawberry marks the class in place.
strawberry.enum(
    KnnMethod,
    description="How recomputeSimilarities finds each product's top K by cosine. AUTO (the "
    "default): EXACT below 10,000 products, IVF from there. EXACT: blocked float32 matrix "
    "products, equal to brute force (about 6 minutes at 100,000 on 2 cores). IVF: an inverted "
    "file, exact float32 search within each product's nearest k-means cells, widened until "
    "recall@K on a sample checked against EXACT reaches 0.99 (the job reports it). ANN: a "
    "usearch HNSW index. GDS: the Graph Data Science gds.knn procedure (needs the plugin on the "
    "products shard).",
)

__all__ = ["KnnMethod"]
