// Products the embedding job should (re)embed: all with an image, or the codes asked for (those
// without an image are then reported as such); with $onlyMissing only those without a vector
// from this model, so a re-run skips finished work.
MATCH (p:Product)
WHERE ($codes IS NULL AND p.hasImage OR p.code IN $codes)
  AND (NOT $onlyMissing OR p.embedding IS NULL OR p.model IS NULL OR p.model <> $model)
RETURN p.code AS code, coalesce(p.hasImage, false) AS hasImage
ORDER BY code
