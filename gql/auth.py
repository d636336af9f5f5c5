"""Who may write: mutations and subscriptions need `Authorization: Bearer <token>` when
settings.api_token is set; with none set they are open only where `writes_without_token` says
so (the development profile), and refused with UNAUTHENTICATED otherwise (production).

Queries stay open. A WebSocket (graphql-transport-ws) is judged once, at `connection_init`
(gql.app's `on_ws_connect`): the token in the upgrade request's Authorization header or in the
init payload (`{"Authorization": "Bearer <token>"}`); a refused connection is closed with 4403
before any operation, and every operation on an admitted one may write.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from strawberry.permission import BasePermission

from fabric_gql.errors import Unauthorized
from fabric_gql.settings import Settings
from gql.context import Context, Info

NEEDS_TOKEN = "this operation needs the header `Authorization: Bearer <token>`"
NO_TOKEN = (
    "mutations and subscriptions are off: this server has no API token "
    "(FABRIC_GQL_API_TOKEN) and runs the production profile"
)


@dataclass
class SocketContext(Context):
    """A WebSocket connection's context: Strawberry puts the connection_init payload in
    `connection_params`; `admitted` is the verdict on it."""

    connection_params: dict[str, object] = field(default_factory=dict)
    admitted: bool = False


def authorized(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    # Constant-time comparison: the time taken says nothing about how much of a guess matched.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def refusal(settings: Settings, header: str | None) -> str | None:
    """Why a request with this Authorization header may not write; None if it may."""
    token = settings.api_token
    if token is None:
        return None if settings.writes_without_token else NO_TOKEN
    return None if authorized(header, token.get_secret_value()) else NEEDS_TOKEN


def socket_header(context: SocketContext) -> str | None:
    """The connection's Authorization: the upgrade request's header, else the init payload's."""
    header = context.request.headers.get("authorization")
    if header:
        return header
    params: Mapping[str, object] = context.connection_params
    given = next((v for k, v in params.items() if k.lower() == "authorization"), None)
    return given if isinstance(given, str) else None


class BearerToken(BasePermission):
    message = NEEDS_TOKEN

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        if isinstance(context, SocketContext):
            return context.admitted
        reason = refusal(context.settings, context.request.headers.get("authorization"))
        if reason is not None:
            raise Unauthorized(reason)
        return True

    def on_unauthorized(self) -> None:
        raise Unauthorized(self.message)
