"""Named Cypher queries, read once from `cypher/queries/*.cypher`.

The driver types query text as `LiteralString`; this module is the one place that casts file
contents to it. Query text never contains user input: values travel as parameters.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import LiteralString, cast

QUERY_DIR = Path(__file__).parent / "queries"


@cache
def all_queries() -> dict[str, LiteralString]:
    return {
        path.stem: cast(LiteralString, path.read_text(encoding="utf-8").strip())
        for path in sorted(QUERY_DIR.glob("*.cypher"))
    }


def text(name: str) -> LiteralString:
    try:
        return all_queries()[name]
    except KeyError:
        raise KeyError(f"no Cypher query named {name!r} in {QUERY_DIR}") from None


def statements(name: str) -> list[LiteralString]:
    """A schema file holds several statements separated by `;` at line ends."""
    parts = [part.strip() for part in text(name).split(";\n")]
    return [cast(LiteralString, part.rstrip(";")) for part in parts if part]
