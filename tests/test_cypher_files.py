"""Every .cypher file is used somewhere, and every query name the code asks for has a file."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cypher.loader import all_queries

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["fabric_gql", "gql", "cypher", "embedding", "hm", "ingest", "jobs", "bench", "tests"]
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
CALLS = {"read", "write", "read_across", "query", "text", "statements", "Part"}


def _python_files() -> list[Path]:
    return [p for folder in SOURCES for p in (ROOT / folder).rglob("*.py")]


def _literals() -> set[str]:
    found: set[str] = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def _asked_for() -> set[str]:
    asked: set[str] = set()
    for path in _python_files():
        if path.name == Path(__file__).name:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in CALLS:
                continue
            for arg in node.args:
                if (
                    isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and NAME.match(arg.value)
                ):
                    asked.add(arg.value)
    return asked


def test_every_query_file_is_used() -> None:
    unused = set(all_queries()) - _literals()
    assert not unused, f"query files nothing refers to: {sorted(unused)}"


def test_every_query_asked_for_exists() -> None:
    missing = _asked_for() - set(all_queries())
    assert not missing, f"query names with no file in cypher/queries: {sorted(missing)}"


def test_query_text_takes_values_only_as_parameters() -> None:
    # No Python format fields, so nothing can be spliced into the text.
    for name, text in all_queries().items():
        assert "{}" not in text and "%s" not in text, name
