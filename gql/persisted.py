"""Persisted queries: Apollo's automatic persisted queries (APQ) and trusted documents.

APQ (the `persistedQuery` request extension, version 1): a client sends only the sha256 of its
document; the first time the server does not know it and answers PERSISTED_QUERY_NOT_FOUND
(message "PersistedQueryNotFound", which Apollo's and urql's links look for), the client sends
the document with its hash once, and from then on the hash alone. Each API process keeps its
own bounded cache (a miss costs one round trip, nothing else).

Trusted documents (`settings.trusted_documents`, a manifest file): only the manifest's documents
run, sent by hash or as their exact text; anything else is refused with
PERSISTED_QUERY_NOT_IN_LIST before it is parsed, and nothing can be registered. The manifest is
Apollo's persisted query manifest (`{"format": "apollo-persisted-query-manifest", "operations":
[{"id", "body", ...}]}`) or a plain `{sha256: document}` object; ids are checked against the
documents' hashes when the app starts.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

from strawberry.http import GraphQLRequestData

from fabric_gql.errors import FabricGqlError, InvalidArgument
from fabric_gql.settings import Settings

VERSION = 1


class PersistedQueryNotFound(FabricGqlError):
    code = "PERSISTED_QUERY_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("PersistedQueryNotFound")


class PersistedQueryNotInList(FabricGqlError):
    code = "PERSISTED_QUERY_NOT_IN_LIST"

    def __init__(self) -> None:
        super().__init__("only the server's trusted documents may run; this one is not among them")


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def read_manifest(path: Path) -> dict[str, str]:
    """{sha256: document} from a manifest file; a wrong id is an error, not a silent miss."""
    data: Any = json.loads(path.read_text())
    if isinstance(data, dict) and "operations" in data:
        entries = {op["id"]: op["body"] for op in data["operations"]}
    elif isinstance(data, dict):
        entries = dict(data)
    else:
        raise ValueError(f"{path}: not a persisted query manifest")
    for key, document in entries.items():
        if not isinstance(document, str) or sha256(document) != key:
            raise ValueError(f"{path}: the id {key} is not the sha256 of its document")
    return entries


class PersistedQueries:
    """Turns a request's `persistedQuery` extension into its document (or the error to send)."""

    def __init__(self, settings: Settings) -> None:
        path = settings.trusted_documents
        self.trusted = read_manifest(path) if path is not None else None
        self.by_text = set(self.trusted.values()) if self.trusted is not None else set()
        self.capacity = settings.persisted_queries_cache
        self.cache: OrderedDict[str, str] = OrderedDict()

    def resolve(self, data: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its document; raises the error the client gets instead."""
        persisted = (data.extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.trusted is not None and data.query not in self.by_text:
                raise PersistedQueryNotInList
            return data
        if not isinstance(persisted, dict) or persisted.get("version") != VERSION:
            raise InvalidArgument(f"persistedQuery: only version {VERSION} is supported")
        key = persisted.get("sha256Hash")
        if not isinstance(key, str):
            raise InvalidArgument("persistedQuery: sha256Hash must be a string")
        if data.query is None:
            return replace(data, query=self._known(key))
        if sha256(data.query) != key:
            raise InvalidArgument("persistedQuery: sha256Hash is not the sha256 of the query")
        if self.trusted is not None:
            if key not in self.trusted:
                raise PersistedQueryNotInList
            return data
        self._remember(key, data.query)
        return data

    def _known(self, key: str) -> str:
        if self.trusted is not None:
            if key not in self.trusted:
                raise PersistedQueryNotInList
            return self.trusted[key]
        document = self.cache.get(key)
        if document is None:
            raise PersistedQueryNotFound
        self.cache.move_to_end(key)
        return document

    def _remember(self, key: str, document: str) -> None:
        self.cache[key] = document
        self.cache.move_to_end(key)
        while len(self.cache) > self.capacity:
            self.cache.popitem(last=False)
