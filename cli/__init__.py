"""The `fabric-gql` command line: one subcommand per task (`cli.main`)."""
