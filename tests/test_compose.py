"""deploy/compose.yaml cannot be run here (no Docker engine); it is checked against the compose
specification's JSON schema, after interpolation as compose does it, and against the project's
own facts: the API's graph names are the aliases deploy/init.cypher creates, secrets come only
from the environment, nothing is published beyond loopback."""

from __future__ import annotations

import copy
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from cypher.federation import fabric_graphs
from cypher.shards import Shard
from fabric_gql.settings import FederationMode, Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
INIT = DEPLOY / "init.cypher"

# Stand-ins for what an operator sets (deploy/.env.example names them); not secrets.
OPERATOR_ENV = {
    "NEO4J_ACCEPT_LICENSE_AGREEMENT": "yes",
    "FABRIC_GQL_NEO4J_PASSWORD": "stand-in-password",
    "FABRIC_GQL_API_TOKEN": "stand-in-token",
    "HM_DATASET_DIR": "/srv/hm",
}
SECRETS = ("FABRIC_GQL_NEO4J_PASSWORD", "FABRIC_GQL_API_TOKEN")
SECRET_KEY = re.compile(r"PASSWORD|TOKEN|SECRET|AUTH")

# Compose's interpolation: `$$` is a literal `$`; `${NAME}`, `${NAME:-default}` (`-`: only when
# unset), `${NAME:?error}` (`?`: only when unset) refuse or substitute.
REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}")


class MissingVariable(Exception):
    pass


def _interpolate(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, colon, kind, word = match.groups()
        found = env.get(name)
        missing = found is None or (colon == ":" and found == "")
        if not missing:
            return found or ""
        if kind == "?":
            raise MissingVariable(f"{name}: {word}")
        return word or ""

    return REFERENCE.sub(substitute, value)


def _raw() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _compose(env: dict[str, str] = OPERATOR_ENV) -> dict[str, Any]:
    interpolated: dict[str, Any] = _interpolate(_raw(), env)
    return interpolated


def _service(name: str) -> dict[str, Any]:
    service: dict[str, Any] = _compose()["services"][name]
    return service


def _schema_errors(document: dict[str, Any]) -> list[str]:
    text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    schema = json.loads(text.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def _init() -> dict[str, Any]:
    """What deploy/init.cypher creates: databases, the composite, alias -> database."""
    text = re.sub(r"//[^\n]*", "", INIT.read_text())
    return {
        "databases": set(re.findall(r"CREATE DATABASE (\w+) IF NOT EXISTS", text)),
        "composites": set(re.findall(r"CREATE COMPOSITE DATABASE (\w+) IF NOT EXISTS", text)),
        "aliases": dict(
            re.findall(r"CREATE ALIAS ([\w.]+) IF NOT EXISTS FOR DATABASE (\w+)", text)
        ),
        "statements": [s.strip() for s in text.split(";") if s.strip()],
    }


@pytest.fixture
def api_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings the API container gets: its environment, as the container would read it."""
    for key in list(os.environ):
        if key.startswith("FABRIC_GQL_"):
            monkeypatch.delenv(key)
    for key, value in _service("api")["environment"].items():
        monkeypatch.setenv(key, str(value))
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_compose_file_follows_the_compose_specification() -> None:
    errors = _schema_errors(_compose())
    assert not errors, "\n".join(errors)


def test_schema_check_rejects_a_broken_file() -> None:
    broken = copy.deepcopy(_compose())
    broken["services"]["api"]["depends_on"]["neo4j"]["condition"] = "service_ready"
    broken["services"]["api"]["ports"] = {"8000": 8000}
    errors = _schema_errors(broken)
    assert any("depends_on" in error for error in errors)
    assert any("ports" in error for error in errors)


def test_api_runs_fabric_mode_with_the_production_profile(api_settings: Settings) -> None:
    environment = _service("api")["environment"]
    assert environment["FABRIC_GQL_PROFILE"] == "production"
    assert environment["FABRIC_GQL_FEDERATION"] == "fabric"
    assert api_settings.federation is FederationMode.FABRIC


def test_api_graphs_are_the_aliases_init_creates(api_settings: Settings) -> None:
    init = _init()
    assert init["composites"] == {api_settings.fabric_database}
    graphs = fabric_graphs(api_settings)
    aliases: dict[str, str] = init["aliases"]
    assert set(graphs.values()) == set(aliases)
    assert aliases[graphs[Shard.PRODUCTS]] == api_settings.products_database
    assert aliases[graphs[Shard.TRANSACTIONS]] == api_settings.transactions_database
    assert all(alias.split(".")[0] == api_settings.fabric_database for alias in aliases)


def test_shard_databases_are_created_or_the_default(api_settings: Settings) -> None:
    existing = _init()["databases"] | {"neo4j"}
    assert api_settings.products_database in existing
    assert api_settings.transactions_database in existing
    assert api_settings.products_database != api_settings.transactions_database


def test_api_reaches_the_server_by_its_service_name(api_settings: Settings) -> None:
    services = _compose()["services"]
    settings = api_settings
    for uri in (settings.fabric_uri, settings.products_bolt, settings.transactions_bolt):
        assert urlsplit(uri).hostname in services, uri


def test_init_service_runs_the_committed_script_on_system() -> None:
    init = _service("neo4j-init")
    command = init["command"]
    assert command[command.index("--database") + 1] == "system"
    [mount] = init["volumes"]
    assert (DEPLOY / mount["source"]).resolve() == INIT
    assert command[command.index("--file") + 1] == mount["target"]
    assert all("IF NOT EXISTS" in statement for statement in _init()["statements"])


def test_neo4j_is_enterprise_with_gds_at_the_project_version() -> None:
    pom = (ROOT / "neo4j_local" / "launcher" / "pom.xml").read_text()
    version = re.search(r"<neo4j.version>(\d+\.\d+)\.", pom)
    assert version is not None
    neo4j = _service("neo4j")
    assert neo4j["image"] == f"neo4j:{version.group(1)}-enterprise"
    assert _service("neo4j-init")["image"] == neo4j["image"]
    assert "graph-data-science" in json.loads(neo4j["environment"]["NEO4J_PLUGINS"])


def test_api_starts_after_a_healthy_server_and_the_init_step() -> None:
    assert _service("api")["depends_on"] == {
        "neo4j": {"condition": "service_healthy"},
        "neo4j-init": {"condition": "service_completed_successfully"},
    }
    assert _service("neo4j-init")["depends_on"] == {"neo4j": {"condition": "service_healthy"}}
    assert "/healthz" in " ".join(_service("api")["healthcheck"]["test"])
    assert "cypher-shell" in " ".join(_service("neo4j")["healthcheck"]["test"])


def test_published_ports_are_loopback_only() -> None:
    for name, service in _compose()["services"].items():
        for port in service.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            assert host_ip == "127.0.0.1", f"{name} publishes {port}"


def test_secrets_come_only_from_the_environment() -> None:
    for name, service in _raw()["services"].items():
        for key, value in service.get("environment", {}).items():
            if SECRET_KEY.search(key):
                literal = re.sub(r"\$\{[A-Z0-9_]+:\?[^}]*\}", "", str(value))
                assert literal in ("", "neo4j/"), f"{name}: {key} holds a literal"
    text = COMPOSE.read_text()
    for secret in SECRETS:
        references = re.findall(r"\$\{" + secret + r"(:?[-?])?", text)
        assert references and set(references) == {":?"}, f"{secret} must be required, no default"


def test_compose_refuses_to_start_without_each_operator_variable() -> None:
    for name in OPERATOR_ENV:
        env = {key: value for key, value in OPERATOR_ENV.items() if key != name}
        with pytest.raises(MissingVariable, match=name):
            _compose(env)
        with pytest.raises(MissingVariable, match=name):
            _compose({**env, name: ""})


def test_env_example_names_what_an_operator_must_set() -> None:
    lines = (DEPLOY / ".env.example").read_text().splitlines()
    entries = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert set(entries) == set(OPERATOR_ENV)
    assert set(entries.values()) == {""}


def test_api_is_built_from_the_project_dockerfile() -> None:
    build = _service("api")["build"]
    assert (DEPLOY / build["context"]).resolve() == ROOT
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == ROOT / "Dockerfile"


def test_server_data_lives_in_named_volumes() -> None:
    compose = _compose()
    mounts = dict(volume.split(":", 1) for volume in compose["services"]["neo4j"]["volumes"])
    assert mounts["neo4j-data"] == "/data"
    assert set(mounts) <= set(compose["volumes"])
