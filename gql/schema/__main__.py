from fabric_gql.settings import get_settings
from gql.schema import build_schema

print(build_schema(get_settings()).as_str())
