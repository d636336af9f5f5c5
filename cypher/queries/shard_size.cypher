// What a shard holds, all labels and types together: what `fabric-gql reset` deletes.
RETURN COUNT { (n) } AS nodes, COUNT { ()-[r]->() } AS relationships
