"""The local shard launcher, against real servers: one pair on spare ports and a temporary data
folder, started once for the module (a start costs 20-40 s on two cores). The main pair that the
rest of the suite uses is never touched."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase
from pydantic import SecretStr

from fabric_gql.settings import Settings
from neo4j_local import build, server
from neo4j_local.process import LocalServer, port_in_use, running_pid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _driver(shard: LocalServer, settings: Settings) -> Driver:
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    return GraphDatabase.driver(shard.bolt, auth=auth)


def _pid_gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(
        products_port=_free_port(),
        transactions_port=_free_port(),
        data_dir=tmp_path_factory.mktemp("neo4j-local"),
        neo4j_password=SecretStr("test-pair-secret"),
        # Small, so this pair fits beside the main one, TensorFlow and the rest of the suite.
        neo4j_heap="512m",
        neo4j_pagecache="64m",
    )
    assert server.start(settings) == 0
    yield settings
    server.stop(settings)


@pytest.mark.neo4j
def test_status_reports_both_shards_answering(
    pair: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert server.status(pair) == 0
    out = capsys.readouterr().out
    for shard in server.shards(pair):
        line = next(ln for ln in out.splitlines() if ln.startswith(shard.name))
        assert "running" in line
        assert f"port {shard.port}" in line
        assert f"pid {running_pid(shard)}" in line
        assert "answers yes" in line


@pytest.mark.neo4j
def test_start_when_running_changes_nothing(
    pair: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    before = [running_pid(s) for s in server.shards(pair)]
    capsys.readouterr()
    assert server.start(pair) == 0
    assert capsys.readouterr().out.count("already running") == 2
    assert [running_pid(s) for s in server.shards(pair)] == before


@pytest.mark.neo4j
def test_gds_knn_runs_on_products_only(pair: Settings) -> None:
    if not build.gds_available():
        pytest.skip("the GDS plugin did not build (see the start output)")
    products, transactions = server.shards(pair)
    with _driver(products, pair) as driver:
        driver.execute_query(
            "UNWIND $rows AS r CREATE (:KnnProbe {code: r[0], embedding: r[1]})",
            rows=[["a", [1.0, 0.0]], ["b", [0.9, 0.1]], ["c", [0.0, 1.0]]],
        )
        driver.execute_query(
            "CALL gds.graph.project('knn-probe', 'KnnProbe', '*',"
            " {nodeProperties: ['embedding']}) YIELD graphName RETURN graphName"
        )
        records, _, _ = driver.execute_query(
            "CALL gds.knn.stream('knn-probe', {nodeProperties: {embedding: 'COSINE'}, topK: 1,"
            " randomSeed: 7, concurrency: 1}) YIELD node1, node2"
            " RETURN gds.util.asNode(node1).code AS a, gds.util.asNode(node2).code AS b"
        )
        driver.execute_query("CALL gds.graph.drop('knn-probe') YIELD graphName RETURN graphName")
        driver.execute_query("MATCH (n:KnnProbe) DELETE n")
    pairs = {(r["a"], r["b"]) for r in records}
    assert {("a", "b"), ("b", "a")} <= pairs
    with _driver(transactions, pair) as driver:
        found, _, _ = driver.execute_query(
            "SHOW PROCEDURES YIELD name WHERE name STARTS WITH 'gds.' RETURN count(*) AS n"
        )
    assert found[0]["n"] == 0


def test_busy_port_is_named_and_nothing_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        settings = Settings(products_port=_free_port(), transactions_port=busy, data_dir=tmp_path)
        assert server.start(settings) == 1
    out = capsys.readouterr().out
    assert re.search(rf"port {busy}\b.*in use", out)
    for shard in server.shards(settings):
        assert running_pid(shard) is None
        assert not shard.pid_file.exists()
        assert not port_in_use(shard.port)


def test_failed_start_names_the_log_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An unparsable page-cache size makes both launchers exit at once, before Neo4j loads.
    settings = Settings(
        products_port=_free_port(),
        transactions_port=_free_port(),
        data_dir=tmp_path,
        neo4j_pagecache="lots",
    )
    assert server.start(settings) == 1
    out = capsys.readouterr().out
    assert "exited while starting" in out
    shards = server.shards(settings)
    assert any(str(s.log_file) in out for s in shards)
    assert not any(s.pid_file.exists() for s in shards)


@pytest.mark.neo4j
def test_data_survives_restart_and_stop_leaves_no_process(pair: Settings) -> None:
    products = server.shards(pair)[0]
    with _driver(products, pair) as driver:
        driver.execute_query("CREATE (:RestartProbe {code: '0108775015'})")
    pids = [running_pid(s) for s in server.shards(pair)]
    assert None not in pids

    assert server.stop(pair) == 0
    assert all(_pid_gone(pid) for pid in pids if pid is not None)
    assert not any(s.pid_file.exists() for s in server.shards(pair))
    assert not any(port_in_use(s.port) for s in server.shards(pair))

    assert server.start(pair) == 0
    with _driver(products, pair) as driver:
        records, _, _ = driver.execute_query("MATCH (n:RestartProbe) RETURN n.code AS code")
    assert [r["code"] for r in records] == ["0108775015"]


def test_both_poms_build_against_the_same_neo4j() -> None:
    def version(pom: Path) -> str:
        found = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", pom.read_text())
        assert found, pom
        return found.group(1)

    assert version(build.LAUNCHER_DIR / "pom.xml") == version(build.GDS_DIR / "pom.xml")
