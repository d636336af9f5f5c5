"""Fabric mode's composed text, checked on its structure (Community has no Fabric)."""

from __future__ import annotations

import re

import pytest

from cypher.federation import (
    READS,
    ROWS_HEADER,
    SIMILAR,
    check_graph_name,
    compose_cross,
    compose_single,
    fabric_graphs,
)
from cypher.loader import text
from cypher.shards import Shard
from fabric_gql.settings import Settings

GRAPHS = {Shard.PRODUCTS: "fabric.products", Shard.TRANSACTIONS: "fabric.neo4j"}


def test_each_cross_shard_read_is_two_parts_on_two_shards() -> None:
    for read in READS:
        assert read.first.shard is not read.then.shard
        assert text(read.first.name).rstrip().endswith("RETURN row")
        first_clause = next(
            line.strip()
            for line in text(read.then.name).splitlines()
            if line.strip() and not line.strip().startswith("//")
        )
        assert first_clause == ROWS_HEADER


def test_composed_similar_read_uses_each_graph_once_around_its_part() -> None:
    composed = compose_cross(SIMILAR, GRAPHS)
    assert re.findall(r"USE (\S+)", composed) == ["fabric.products", "fabric.neo4j"]
    first_call, second_call = composed.split("WITH collect(row) AS rows")
    assert first_call.lstrip().startswith("CALL {\n  USE fabric.products\n")
    assert "MATCH (src)-[s:SIMILAR|SIMILAR_IN_DEPARTMENT]->(n:Product)" in first_call
    # The second part imports the first part's rows instead of reading the $rows parameter.
    assert second_call.lstrip().startswith(
        "CALL {\n  WITH rows\n  USE fabric.neo4j\n  UNWIND rows AS row\n"
    )
    assert "MATCH (p:Product {code: row.code})" in second_call
    assert "$rows" not in composed
    assert composed.rstrip().endswith("}\nRETURN row")


def test_composed_text_holds_parameters_not_values() -> None:
    composed = compose_cross(SIMILAR, GRAPHS)
    parameters = set(re.findall(r"\$(\w+)", composed))
    assert parameters == {"codes", "limit", "minScore", "sameDepartment"}
    # No literal a client could have sent: the only quoted strings are the files' own names.
    code = re.sub(r"//[^\n]*", "", composed)
    quoted = set(re.findall(r"'([^']*)'", code))
    assert quoted <= {"SIMILAR", "SIMILAR_IN_DEPARTMENT", "current"}


def test_graph_names_come_from_settings() -> None:
    settings = Settings(fabric_products_graph="shop.items", fabric_transactions_graph="shop.sales")
    graphs = fabric_graphs(settings)
    composed = compose_cross(SIMILAR, graphs)
    assert re.findall(r"USE (\S+)", composed) == ["shop.items", "shop.sales"]
    assert compose_single("departments", graphs[Shard.TRANSACTIONS]).startswith("USE shop.sales\n")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "fabric.",
        "a.b.c",
        "fabric.products}",
        "x` MATCH (n) DETACH DELETE n //",
        "1abc",
        "fabric products",
        "fabric.products\nMATCH",
    ],
)
def test_graph_names_outside_the_strict_pattern_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="graph name"):
        check_graph_name(name)
    with pytest.raises(ValueError, match="graph name"):
        compose_cross(SIMILAR, {Shard.PRODUCTS: name, Shard.TRANSACTIONS: "fabric.neo4j"})
    with pytest.raises(ValueError, match="graph name"):
        fabric_graphs(Settings(fabric_transactions_graph=name))
