from __future__ import annotations

import strawberry

from jobs.knn import KnnMethod

# The similarity job's own enum is the GraphQL type: strawberry marks the class in place.
strawberry.enum(
    KnnMethod,
    description="How recomputeSimilarities finds each product's top K by cosine. EXACT: "
    "blocked matrix products, equal to brute force. ANN: an approximate index, for catalogues "
    "past what exact work does in a minute. GDS: the Graph Data Science gds.knn procedure "
    "(needs the plugin on the products shard).",
)

__all__ = ["KnnMethod"]
