"""Mutations need `Authorization: Bearer <token>` when settings.api_token is set."""

from __future__ import annotations

import hmac
from typing import Any

from strawberry.permission import BasePermission

from fabric_gql.errors import Unauthorized
from gql.context import Info


def authorized(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    # Constant-time comparison: the time taken says nothing about how much of a guess matched.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


class BearerToken(BasePermission):
    message = "this operation needs the header `Authorization: Bearer <token>`"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        token = info.context.settings.api_token
        if token is None:
            return True
        header = info.context.request.headers.get("authorization")
        return authorized(header, token.get_secret_value())

    def on_unauthorized(self) -> None:
        raise Unauthorized(self.message)
