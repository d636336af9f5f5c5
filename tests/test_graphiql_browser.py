"""GraphiQL in a real browser with no internet: Debian's Chromium, every request that is not for the
loopback server refused, runs a query typed into its editor, a mutation with the token typed into
its headers editor, and a subscription over graphql-transport-ws, against the real app and shards
(the small dataset)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from gql_support import Catalogue, needs_chromium
from playwright.sync_api import Browser, Page, Route, expect
from pydantic import SecretStr

from cypher.shards import SyncShards
from fabric_gql.settings import Settings
from gql.graphiql import NODE_MODULES, missing
from jobs import embed
from jobs.runner import Progress, run_in_foreground

TOKEN = "graphiql-t0ken"
WAIT_MS = 30_000  # two shared cores: GraphiQL's 3.5 MB script, a cold first query
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESPONSE = ".graphiql-response .CodeMirror"

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.skipif(
        bool(missing(NODE_MODULES)), reason="GraphiQL's files are not installed: run scripts/setup"
    ),
]


@pytest.fixture(scope="module")
def api_settings(settings: Settings, small_dataset: Path) -> Settings:
    """Overrides gql_support's: GraphiQL on, and a token, so mutations need the headers editor."""
    return settings.model_copy(
        update={"dataset_dir": small_dataset, "graphiql": True, "api_token": SecretStr(TOKEN)}
    )


@pytest.fixture
def graphiql(browser: Browser, catalogue: Catalogue, server_url: str) -> Iterator[Page]:
    """GraphiQL opened and ready, in a context that refuses (and lists) every request not for
    the loopback server, as on a network without internet."""
    served = urlsplit(server_url).netloc
    refused: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).netloc == served:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route("**/*", only_loopback)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server_url}/graphql")
    expect(page.locator(QUERY_EDITOR)).to_be_visible()
    yield page
    context.close()
    assert refused == [], "the page reached beyond the loopback server"
    assert errors == []


def _editor_text(page: Page, selector: str) -> str:
    text: str = page.evaluate(
        "selector => document.querySelector(selector).CodeMirror.getValue()", selector
    )
    return text


def _type_into(page: Page, selector: str, text: str) -> None:
    """Replace an editor's text by typing it, as a user does."""
    page.locator(selector).click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)
    page.keyboard.press("Escape")  # closes the autocomplete list, if one is open
    assert " ".join(_editor_text(page, selector).split()) == " ".join(text.split())


def _type_query(page: Page, text: str) -> None:
    """Type a document into the query editor, and wait until GraphiQL has parsed it (it then
    puts it in the address): a run before that would send the previous operation's name."""
    _type_into(page, QUERY_EDITOR, text)
    page.wait_for_function(
        """selector => new URLSearchParams(location.search).get('q')
          === document.querySelector(selector).CodeMirror.getValue()""",
        arg=QUERY_EDITOR,
    )


def _run(page: Page) -> dict[str, Any]:
    """Ctrl-Enter in the query editor; the result pane's JSON once it shows one."""
    page.locator(QUERY_EDITOR).click()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "selector => document.querySelector(selector).CodeMirror.getValue().trim() !== ''",
        arg=RESPONSE,
    )
    result: dict[str, Any] = json.loads(_editor_text(page, RESPONSE))
    return result


def test_a_query_typed_into_the_editor_shows_the_products_data(
    graphiql: Page, catalogue: Catalogue
) -> None:
    code = catalogue.with_image[0]
    _type_query(
        graphiql,
        f'{{ product(code: "{code}") {{ code name department {{ name }} }} }}',
    )
    result = _run(graphiql)
    row = catalogue.articles[code]
    assert result == {
        "data": {
            "product": {
                "code": code,
                "name": row["prod_name"],
                "department": {"name": row["department_name"]},
            }
        }
    }


def test_the_headers_editor_carries_the_token_to_a_mutation(graphiql: Page) -> None:
    _type_query(graphiql, 'mutation { cancelJob(id: "no-such-job") { id } }')
    refused = _run(graphiql)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["UNAUTHENTICATED"]

    graphiql.get_by_role("button", name="Headers").click()
    headers = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
    _type_into(graphiql, headers, f'{{"Authorization": "Bearer {TOKEN}"}}')
    allowed = _run(graphiql)
    assert [e["extensions"]["code"] for e in allowed["errors"]] == ["NOT_FOUND"]


def test_a_subscription_shows_the_jobs_progress(graphiql: Page, sync_shards: SyncShards) -> None:
    def work(shards: SyncShards, params: dict[str, object], progress: Progress) -> str:
        progress.set_total(3)
        progress.advance(processed=3)
        return "three done"

    record = run_in_foreground(sync_shards, embed.KIND, {"codes": None}, work)
    # With a token configured, a subscription needs it at connection_init: GraphiQL sends the
    # headers editor's headers as the connection's parameters.
    graphiql.get_by_role("button", name="Headers").click()
    headers = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
    _type_into(graphiql, headers, f'{{"Authorization": "Bearer {TOKEN}"}}')
    _type_query(
        graphiql,
        f'subscription {{ jobProgress(id: "{record["id"]}") {{ id status processed summary }} }}',
    )
    result = _run(graphiql)
    assert result == {
        "data": {
            "jobProgress": {
                "id": record["id"],
                "status": "SUCCEEDED",
                "processed": 3,
                "summary": "three done",
            }
        }
    }
