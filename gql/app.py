"""The Starlette app: GraphQL (POST, multipart uploads, GraphiQL on GET, graphql-transport-ws),
health, Prometheus metrics (gql.metrics), images, and the explorer page (gql/static/) at /.
Every request gets an id (gql.request_id); a WebSocket's token is checked at connection_init
(gql.auth). The production profile turns GraphiQL off (settings.graphiql).

Uploads (embedImage, searchByImage) follow the GraphQL multipart request spec. A plain HTML form
can send multipart/form-data to any site without a CORS preflight, so such a request must also
carry a non-empty `Apollo-Require-Preflight` (or `X-Apollo-Operation-Name`) header, which no form
can set: a browser asks the CORS policy before sending it. JSON requests need no such header
(their content type already forces the preflight); queries over GET are off.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from cypher.federation import Federation, create_federation
from cypher.shards import AsyncShards, Shard
from fabric_gql.errors import FabricGqlError, ShardUnavailable
from fabric_gql.settings import Settings, get_settings
from gql.api import build_schema
from gql.auth import SocketContext, refusal, socket_header
from gql.background import Background
from gql.context import Context
from gql.errors import shape_all
from gql.graphiql import NODE_MODULES, asset, page
from gql.metrics import endpoint as metrics_endpoint
from gql.persisted import PersistedQueries
from gql.request_id import HEADER as REQUEST_ID_HEADER
from gql.request_id import RequestIds
from hm.reader import ARTICLE_ID_WIDTH, IMAGES, image_file

PRODUCT_CODE = re.compile(rf"[0-9]{{{ARTICLE_ID_WIDTH}}}")
MAX_BODY = 1_000_000  # bytes of one GraphQL request; documents are small
# Any one of these, non-empty, lets a multipart request through (the names Apollo's clients use).
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")
STATIC = Path(__file__).parent / "static"


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.cors_origins,
            multipart_uploads_enabled=True,
        )
        self.settings = settings
        self.persisted = PersistedQueries(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = Headers(scope=scope)
            if headers.get("content-type", "").lower().startswith("multipart/form-data"):
                if not any(headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
                    refused = PlainTextResponse(
                        "a multipart request needs a non-empty Apollo-Require-Preflight header "
                        "(CSRF protection)",
                        status_code=400,
                    )
                    await refused(scope, receive, send)
                    return
            else:
                # Only an upload may use the route's larger body limit.
                await RequestBodyLimitMiddleware(super().__call__, MAX_BODY)(scope, receive, send)
                return
            await self._upload(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's HTTP path, plus closing the parsed form: each uploaded file is a
        temporary file, open until someone closes it (whatever became of the request)."""
        request = Request(scope=scope, receive=receive)
        try:
            try:
                response = await self.run(request)
            except HTTPException as exc:
                response = PlainTextResponse(exc.reason, status_code=exc.status_code)
            await response(scope, receive, send)
        finally:
            await request.close()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        state = request.app.state
        parts = (request, response, self.settings, state.federation, state.background)
        return SocketContext(*parts) if isinstance(request, WebSocket) else Context(*parts)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # graphql-transport-ws's connection_init: the one check of a connection (gql.auth).
        assert isinstance(context, SocketContext)
        if refusal(self.settings, socket_header(context)) is not None:
            raise ConnectionRejectionError  # closed with 4403 Forbidden
        context.admitted = True
        return await super().on_ws_connect(context)  # an ack without a payload

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page loads its scripts from a CDN; ours come from /graphiql/.
        return page(request.app.state.graphiql_assets)

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> Any:
        # Batching is off, so one document a request: persisted queries (gql.persisted) give
        # it its text, or the error the client gets instead.
        if not isinstance(request_data, list):
            try:
                request_data = self.persisted.resolve(request_data)
            except FabricGqlError as exc:
                return ExecutionResult(
                    data=None, errors=[GraphQLError(exc.message, original_error=exc)]
                )
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # A document that fails to parse never reaches the schema's extensions.
        result.errors = shape_all(result.errors)
        return await super().process_result(request, result)


async def healthz(request: Request) -> JSONResponse:
    federation: Federation = request.app.state.federation
    shards = list(Shard)
    outcomes = await asyncio.gather(
        *(federation.ping(shard) for shard in shards), return_exceptions=True
    )
    status = {
        shard.value: "up" if outcome is None else "down"
        for shard, outcome in zip(shards, outcomes, strict=True)
    }
    for outcome in outcomes:
        if outcome is not None and not isinstance(outcome, ShardUnavailable):
            raise outcome
    down = [name for name, state in status.items() if state == "down"]
    body: dict[str, object] = {"status": "unavailable" if down else "ok", "shards": status}
    if down:
        body["down"] = down
    return JSONResponse(body, status_code=503 if down else 200)


def images_dir(settings: Settings) -> Path:
    return (settings.dataset_dir / IMAGES).resolve()


async def image(request: Request) -> Response:
    code = request.path_params["code"]
    not_found = PlainTextResponse("no image for that code", status_code=404)
    # Only a 10-digit code ever becomes a path, and the result must still lie in the folder.
    if not PRODUCT_CODE.fullmatch(code):
        return not_found
    root: Path = request.app.state.images_dir
    path = image_file(root, code).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return not_found
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"})


async def explorer(request: Request) -> FileResponse:
    return FileResponse(STATIC / "index.html")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    graphql = GraphQLApp(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # One driver per shard for the process: the federation reads through them (in direct
        # mode; Fabric has its own), and jobs keep their records with them. Job threads get
        # blocking drivers of their own (in Background).
        shards = AsyncShards(settings, connection_timeout=settings.shard_connect_timeout_s)
        app.state.federation = create_federation(settings, shards)
        app.state.images_dir = images_dir(settings)
        app.state.graphiql_assets = NODE_MODULES
        app.state.background = Background(settings, shards)
        try:
            await app.state.background.start()
            yield
        finally:
            await app.state.background.close()
            await app.state.federation.close()
            await shards.close()  # a no-op when the federation closed them

    middleware = [Middleware(RequestIds)]  # outermost: CORS answers carry the id too
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["*"],
                expose_headers=[REQUEST_ID_HEADER],
            )
        )
    return Starlette(
        routes=[
            Route(
                "/graphql",
                graphql,
                methods=["GET", "POST"],
                # Room for one upload and its form fields; other requests get MAX_BODY.
                max_body_size=settings.upload_max_bytes + MAX_BODY,
            ),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            *([Route("/metrics", metrics_endpoint(settings))] if settings.metrics else []),
            Route("/images/{code}", image, name="image"),
            Route("/", explorer),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            *([Route("/graphiql/{name}", asset)] if settings.graphiql else []),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
