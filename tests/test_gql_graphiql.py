"""GraphiQL served from the project, not a CDN: the page at GET /graphql loads its files from
/graphiql/, which serves only the named files of web/node_modules (scripts/setup installs them
from npm); without them the page says how to install them. In a browser:
test_graphiql_browser.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from fabric_gql.settings import Settings
from gql.app import create_app
from gql.graphiql import ASSETS, NODE_MODULES, missing

pytestmark = pytest.mark.neo4j

NOT_INSTALLED = pytest.mark.skipif(
    bool(missing(NODE_MODULES)), reason="GraphiQL's files are not installed: run scripts/setup"
)


@pytest.fixture(scope="module")
def api_settings(settings: Settings, small_dataset: Path) -> Settings:
    return settings.model_copy(update={"dataset_dir": small_dataset, "graphiql": True})


@NOT_INSTALLED
def test_get_graphql_serves_the_page_that_loads_graphiql_from_this_server(
    client: TestClient,
) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql/graphiql.min.js" in response.text
    assert "https://" not in response.text and "http://" not in response.text
    script = client.get("/graphiql/graphiql.min.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.content == (NODE_MODULES / ASSETS["graphiql.min.js"]).read_bytes()


@NOT_INSTALLED
def test_only_the_named_files_are_served(client: TestClient) -> None:
    assert (NODE_MODULES / "graphiql" / "package.json").is_file()
    for name in ("package.json", "graphiql.js", "..%2Fpackage.json", "%2e%2e%2f.package-lock.json"):
        assert client.get(f"/graphiql/{name}").status_code == 404, name


def test_without_its_files_the_page_says_to_run_setup(
    api_settings: Settings, tmp_path: Path
) -> None:
    app = create_app(api_settings)
    with TestClient(app) as client:
        app.state.graphiql_assets = tmp_path  # a node_modules folder with nothing installed
        page = client.get("/graphql", headers={"accept": "text/html"})
        script = client.get("/graphiql/graphiql.min.js")
    assert page.status_code == 503
    assert "scripts/setup" in page.text
    assert "graphiql/graphiql.min.js" in page.text
    assert "Loading..." not in page.text
    assert script.status_code == 404


def test_with_graphiql_off_neither_page_nor_files_are_served(api_settings: Settings) -> None:
    with TestClient(create_app(api_settings.model_copy(update={"graphiql": False}))) as client:
        assert client.get("/graphql", headers={"accept": "text/html"}).status_code == 404
        assert client.get("/graphiql/graphiql.min.js").status_code == 404
