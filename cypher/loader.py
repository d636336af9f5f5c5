"""Named Cypher queries: each folder's `*.cypher` files, read once, by file stem.

The production queries are `cypher/queries/`. Tests and benchmarks keep theirs in their own
folders (`tests/cypher/`, `bench/cypher/`) and `include` them, so those are sent through the same
shard clients, tagged the same way; an included name may not shadow one already known.

The driver types query text as `LiteralString`; this module is the one place that casts file
contents to it. Query text never contains user input: values travel as parameters.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import LiteralString, cast


class Queries:
    """The queries of one folder, read on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()

    @cached_property
    def texts(self) -> dict[str, LiteralString]:
        return {
            path.stem: cast(LiteralString, path.read_text(encoding="utf-8").strip())  # type: ignore[redundant-cast]
            for path in sorted(self.folder.glob("*.cypher"))
        }


PRODUCTION = Queries(Path(__file__).parent / "queries")
_included: list[Queries] = []


def include(folder: Path) -> None:
    """Makes `folder`'s queries sendable by name beside the production ones (tests and
    benchmarks). Including a folder twice changes nothing."""
    extra = Queries(folder)
    known = [PRODUCTION, *_included]
    if any(queries.folder == extra.folder for queries in known):
        return
    if not extra.texts:
        raise ValueError(f"no .cypher files in {extra.folder}")
    taken = sorted(name for queries in known for name in queries.texts if name in extra.texts)
    if taken:
        raise ValueError(f"{extra.folder} repeats query names already known: {taken}")
    _included.append(extra)


def all_queries() -> dict[str, LiteralString]:
    """The production queries: all that the app, the jobs and the command line may send."""
    return PRODUCTION.texts


def text(name: str) -> LiteralString:
    for queries in (PRODUCTION, *_included):
        if name in queries.texts:
            return queries.texts[name]
    folders = ", ".join(str(queries.folder) for queries in (PRODUCTION, *_included))
    raise KeyError(f"no Cypher query named {name!r} in {folders}")


def statements(name: str) -> list[LiteralString]:
    """A schema file holds several statements separated by `;` at line ends."""
    parts = [part.strip() for part in text(name).split(";\n")]
    return [cast(LiteralString, part.rstrip(";")) for part in parts if part]  # type: ignore[redundant-cast]
