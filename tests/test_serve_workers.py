"""`fabric-gql serve --workers 2` (FABRIC_GQL_HTTP_WORKERS): two real API processes on one port,
each answering, /metrics adding up both whichever answers the scrape, and SIGTERM stopping all."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from processes import VECTOR_PRODUCTS, Api, environment, start_api
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.neo4j

REQUESTS = 40
# Both shards: the count and codes from transactions, hasEmbedding from products.
QUERY = """query WorkersProbe {
  products(first: 3) { totalCount edges { node { code hasEmbedding } } }
}"""


@pytest.fixture(scope="module")
def api(logs: Path, vector_dataset: Path) -> Iterator[Api]:
    env = environment(http_workers="2", dataset_dir=str(vector_dataset))
    served = start_api(logs, "workers", env)
    yield served
    served.stop()


def workers(api: Api) -> list[psutil.Process]:
    """The API processes uvicorn spawned (its supervisor is the `serve` process itself)."""
    children = psutil.Process(api.pid).children()
    return [c for c in children if "spawn_main" in " ".join(c.cmdline())]


def probes(response: httpx.Response) -> float:
    assert response.status_code == 200, response.text
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == "fabric_gql_operations_total"
        and sample.labels.get("operation") == "WorkersProbe"
    )


def test_two_processes_answer_and_metrics_add_up(api: Api) -> None:
    deadline = time.monotonic() + 60
    while len(workers(api)) < 2:  # both spawned before /healthz answered, normally
        assert time.monotonic() < deadline, "uvicorn did not spawn two workers"
        time.sleep(0.2)
    answered: list[dict[str, Any]] = []
    for _ in range(REQUESTS):
        # A fresh connection each time, so the kernel hands them to either process.
        with api.client() as client:
            response = client.post("/graphql", json={"query": QUERY})
        assert response.status_code == 200, response.text
        answered.append(response.json())
    assert "errors" not in answered[0], answered[0]
    page = answered[0]["data"]["products"]
    assert page["totalCount"] == VECTOR_PRODUCTS
    assert [edge["node"]["hasEmbedding"] for edge in page["edges"]] == [True] * 3
    assert all(body == answered[0] for body in answered)
    # Each worker keeps its own counters; any scrape, whichever process answers it, adds them up.
    scrapes = []
    for _ in range(6):
        with api.client() as client:
            scrapes.append(probes(client.get("/metrics")))
    assert scrapes == [REQUESTS] * 6
    # The sum is over processes: each worker keeps a counter file of its own (the folder that
    # `serve` made and gave them in their environment).
    spawned = workers(api)
    folder = Path(spawned[0].environ()["PROMETHEUS_MULTIPROC_DIR"])
    pids = {int(p.stem.rsplit("_", 1)[1]) for p in folder.glob("counter_*.db")}
    assert {w.pid for w in spawned} <= pids


def test_sigterm_stops_every_worker(logs: Path) -> None:
    served = start_api(logs, "workers-stop", environment(http_workers="2"))
    deadline = time.monotonic() + 60
    while len(spawned := workers(served)) < 2:
        assert time.monotonic() < deadline, "uvicorn did not spawn two workers"
        time.sleep(0.2)
    assert served.stop(signal.SIGTERM) == 0
    _, alive = psutil.wait_procs(spawned, timeout=30)
    assert not alive, [p.pid for p in alive]
    assert not Path(served.log).read_text().count("Traceback"), served.log.read_text()[-3000:]
