"""The typed per-request context: settings, the federation client, the process's background
work (jobs, image model) and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from cypher.federation import Federation
from fabric_gql.settings import Settings
from gql.background import Background
from gql.loaders import Loaders


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    federation: Federation
    background: Background
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.federation)


Info = strawberry.Info[Context, None]
