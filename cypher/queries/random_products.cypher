// A seeded pseudo-random sample: products ordered by an affine hash of their code modulo a
// prime (multiplier and increment drawn from the seed), so the same seed gives the same sample.
MATCH (p:Product)
RETURN p {.code, .name, .productCode, .description, .hasImage} AS product
ORDER BY (toInteger(p.code) * $multiplier + $increment) % $modulus, p.code
LIMIT $count
