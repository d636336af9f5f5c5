RETURN COUNT { (:Product) } AS products,
       COUNT { (p:Product) WHERE p.hasImage } AS productsWithImage,
       COUNT { (p:Product) WHERE p.embedding IS NOT NULL } AS embedded,
       COUNT { ()-[:SIMILAR]->() } AS similar
