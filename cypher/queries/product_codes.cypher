// Every product's code on a shard (either): `fabric-gql evaluate` checks that the shards hold
// the catalogue it evaluates and no other.
MATCH (p:Product)
RETURN p.code AS code
