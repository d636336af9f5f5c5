"""The Starlette app: GraphQL (POST, GraphiQL on GET, graphql-transport-ws), health, images, and
the explorer page (gql/static/) at /."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from cypher.federation import Federation, create_federation
from cypher.shards import Shard
from fabric_gql.errors import ShardUnavailable
from fabric_gql.settings import Settings, get_settings
from gql.context import Context
from gql.error_codes import shaped
from gql.schema import build_schema

PRODUCT_CODE = re.compile(r"[0-9]{10}")
MAX_BODY = 1_000_000  # bytes of one GraphQL request; documents are small
STATIC = Path(__file__).parent / "static"


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.cors_origins,
        )
        self.settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        federation: Federation = request.app.state.federation
        return Context(request, response, self.settings, federation)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # A document that fails to parse never reaches the schema's extensions.
        if result.errors:
            result.errors = [
                error if error.extensions and "code" in error.extensions else shaped(error)
                for error in result.errors
            ]
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
    return ((settings.dataset_dir or settings.demo_dir) / "images").resolve()


async def image(request: Request) -> Response:
    code = request.path_params["code"]
    not_found = PlainTextResponse("no image for that code", status_code=404)
    # Only a 10-digit code ever becomes a path, and the result must still lie in the folder.
    if not PRODUCT_CODE.fullmatch(code):
        return not_found
    root: Path = request.app.state.images_dir
    path = (root / code[:3] / f"{code}.jpg").resolve()
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
        # One federation client (one driver per shard, or one to Fabric) for the process.
        app.state.federation = create_federation(settings)
        app.state.images_dir = images_dir(settings)
        try:
            yield
        finally:
            await app.state.federation.close()

    middleware = []
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["*"],
            )
        )
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"], max_body_size=MAX_BODY),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/images/{code}", image, name="image"),
            Route("/", explorer),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
