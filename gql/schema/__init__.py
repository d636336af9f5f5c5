"""The GraphQL types, one module per type. `gql.api` assembles them with the resolvers."""
