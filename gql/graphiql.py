"""GraphiQL from this server, not a CDN: the page (static/graphiql.html) loads React, GraphiQL and
its explorer plugin from /graphiql/, files that `scripts/setup` installs from npm into
web/node_modules (versions pinned by web/package-lock.json). Only the files named in ASSETS are
served. Without them the page says so, rather than showing "Loading..." for ever."""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

NODE_MODULES = Path(__file__).resolve().parent.parent / "web" / "node_modules"
PAGE = Path(__file__).parent / "static" / "graphiql.html"
# The name each file has under /graphiql/, and where npm puts it.
ASSETS = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "plugin-explorer.umd.js": "@graphiql/plugin-explorer/dist/index.umd.js",
    "plugin-explorer.css": "@graphiql/plugin-explorer/dist/style.css",
}
CACHE = {"Cache-Control": "max-age=3600"}


def missing(node_modules: Path) -> list[str]:
    return [path for path in ASSETS.values() if not (node_modules / path).is_file()]


def page(node_modules: Path) -> Response:
    absent = missing(node_modules)
    if not absent:
        return FileResponse(PAGE, media_type="text/html")
    items = "".join(f"<li><code>{escape(path)}</code></li>" for path in absent)
    return HTMLResponse(
        "<!doctype html><title>GraphiQL is not installed</title>"
        "<h1>GraphiQL's files are not installed on this server</h1>"
        f"<p>Missing from <code>{escape(str(node_modules))}</code>:</p><ul>{items}</ul>"
        "<p>Run <code>scripts/setup</code>: it installs them from npm (<code>npm ci</code> in "
        "<code>web/</code>). POST /graphql works without them.</p>",
        status_code=503,
    )


async def asset(request: Request) -> Response:
    path = ASSETS.get(request.path_params["name"])
    node_modules: Path = request.app.state.graphiql_assets
    if path is None or not (node_modules / path).is_file():
        return PlainTextResponse("no such GraphiQL file", status_code=404)
    return FileResponse(node_modules / path, headers=CACHE)
