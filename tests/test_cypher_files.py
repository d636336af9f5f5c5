"""Every query file is sent from a real call site, and every name a call site asks for has a file.

A call site is a call that takes a query name, here as a string literal: the shard clients' and
the federation's `read`, `write` and `autocommit` (`shard, name, ...`), a unit's `tx.run(name)`,
and the few functions that hand a name on (`NAME_AT` lists them with the name's position).
Production code (the packages pyproject.toml ships) may ask only for `cypher/queries`, and each
of those files must be asked for by it; tests and benchmarks also send their own folders' files.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from cypher.loader import Queries, all_queries

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"[a-z][a-z0-9_]*")
# The query folders of the tests and the benchmarks, and who uses them.
EXTRA = {ROOT / "tests" / "cypher": ("tests", "bench"), ROOT / "bench" / "cypher": ("bench",)}
# Where the query name is, by callee: `x.read(shard, name)` is a method, `Part(shard, name)` not.
METHOD_NAME_AT = {"read": 1, "write": 1, "autocommit": 1, "run": 0}
NAME_AT = {
    "Part": 1,  # cypher.federation: a cross-shard read's part
    "_keyed": 2,  # gql.loaders: a DataLoader's batch query
    "one": 1,  # gql.loaders: a nullable-value DataLoader
    "count": 0,  # gql.loaders: a count DataLoader
    "write": 0,  # jobs.embed: a write queued behind the model
    "text": 0,
    "statements": 0,
    "compose_single": 0,
}


def _production_packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return [pattern.removesuffix("*") for pattern in found]


def _literals(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    return set()


def call_sites(*folders: str) -> dict[str, list[str]]:
    """What the Python files under `folders` pass to a call site: each literal, where."""
    sites: dict[str, list[str]] = {}
    for path in (p for folder in folders for p in (ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Attribute):
                at = METHOD_NAME_AT.get(node.func.attr)
            elif isinstance(node.func, ast.Name):
                at = NAME_AT.get(node.func.id)
            else:
                at = None
            if at is not None and at < len(node.args):
                for literal in _literals(node.args[at]):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    sites.setdefault(literal, []).append(where)
    return sites


def asked_for(*folders: str) -> set[str]:
    return {literal for literal in call_sites(*folders) if NAME.fullmatch(literal)}


def test_the_rule_finds_the_call_sites_of_each_kind() -> None:
    production = asked_for(*_production_packages())
    assert {"similar_candidates", "product_by_code", "department_product_counts"} <= production
    assert {"load_articles", "embed_failures", "schema_products", "health", "reset"} <= production
    assert "fixture_similar" not in production


def test_no_call_site_sends_inline_cypher() -> None:
    inline = {
        literal: where
        for literal, where in call_sites(*_production_packages(), "tests", "bench").items()
        if not NAME.fullmatch(literal)
    }
    assert not inline, f"Cypher text where a query name belongs (use a .cypher file): {inline}"


def test_every_production_query_is_sent_by_production_code() -> None:
    unused = set(all_queries()) - asked_for(*_production_packages())
    assert not unused, f"files in cypher/queries no production call site sends: {sorted(unused)}"


def test_every_name_production_code_asks_for_is_a_production_query() -> None:
    missing = asked_for(*_production_packages()) - set(all_queries())
    assert not missing, f"query names with no file in cypher/queries: {sorted(missing)}"


def test_every_test_and_bench_query_is_sent_by_its_users() -> None:
    for folder, users in EXTRA.items():
        unused = set(Queries(folder).texts) - asked_for(*users)
        assert not unused, f"files in {folder} nothing sends: {sorted(unused)}"


def test_every_name_tests_and_benches_ask_for_exists() -> None:
    known = set(all_queries()).union(*(Queries(folder).texts for folder in EXTRA))
    missing = asked_for("tests", "bench") - known
    assert not missing, f"query names with no file: {sorted(missing)}"
