"""One id per HTTP request or WebSocket connection: a sane incoming `X-Request-ID` (a proxy's),
else a new one. It is in the response's `X-Request-ID` header, in every GraphQL error's
`extensions.requestId` (gql.errors) and in every log line written while the request runs
(gql.logs), so a client's report of an error finds the server's record of its cause.

A pure ASGI middleware, not Starlette's BaseHTTPMiddleware: that one runs the app in another
task, and a streamed or WebSocket response would lose the context variable.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
# What a proxy's id may look like (UUIDs, Heroku's, AWS's `Root=1-...`); anything else is
# replaced, so a log line never carries a client's control characters or a page of text.
SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    """The running request's id; None outside a request (start-up, jobs started at boot)."""
    return _current.get()


def chosen(incoming: str | None) -> str:
    return incoming if incoming and SANE.fullmatch(incoming) else uuid.uuid4().hex


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = chosen(Headers(scope=scope).get(HEADER))

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = _current.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
