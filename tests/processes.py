"""Real `fabric-gql` processes for the multi-process and fault tests: an API server started with
`fabric-gql serve` on a loopback port (the test's environment, plus what it adds), stopped with
the signal a test asks for; its output goes to a log file the failure message names.

Also a pytest plugin (conftest's `pytest_plugins`): the module-scoped fixtures those tests share,
a catalogue of random vectors (`vector_dataset`), the environment of short job leases
(`lease_env`) and a folder for the servers' logs (`logs`)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from gql_support import free_port

from cypher.shards import Shard, SyncShards
from hm.generate import generate
from ingest.load import load_dataset
from ingest.reset import reset_shards
from jobs.runner import FINISHED, JobRecord

FABRIC_GQL = str(Path(sys.executable).parent / "fabric-gql")
START_TIMEOUT_S = 120.0  # TensorFlow and the schema import in seconds; slower on a busy box
JOB_FIELDS = "id kind status processed total error"
JOB = f"query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"
RECOMPUTE = f"""mutation($topK: Int, $method: KnnMethod) {{
  recomputeSimilarities(topK: $topK, method: $method) {{ {JOB_FIELDS} }}
}}"""
DONE = {status.value for status in FINISHED}
# Short leases, so a killed owner's job is marked FAILED seconds after the kill.
LEASE_S = 4.0
HEARTBEAT_S = 0.5
VECTOR_PRODUCTS = 1500


def vector_catalogue(shards: SyncShards, root: Path, products: int) -> None:
    """Both shards reset and loaded with a generated catalogue without images, each product
    with a random vector: a recompute over it is seconds of work, and nothing loads the model."""
    generate(root, articles=products, customers=100, transactions=500, seed=3, images=False)
    reset_shards(shards)
    assert load_dataset(shards, root, batch_size=500).bad.total == 0
    with (root / "articles.csv").open(newline="") as f:
        codes = [row["article_id"] for row in csv.DictReader(f)]
    rng = np.random.default_rng(5)
    for start in range(0, len(codes), 250):
        batch = codes[start : start + 250]
        vectors = rng.standard_normal((len(batch), 2048)).astype(np.float32)
        rows = [{"code": c, "vector": v.tolist()} for c, v in zip(batch, vectors, strict=True)]
        shards.write(Shard.PRODUCTS, "embed_write", rows=rows, model="test/random")


def environment(**extra: str) -> dict[str, str]:
    """This process's environment (it names the test shards) with the given FABRIC_GQL_* values;
    no token, the development profile."""
    env = {key: value for key, value in os.environ.items() if key != "FABRIC_GQL_API_TOKEN"}
    env["FABRIC_GQL_PROFILE"] = "development"
    env.update({f"FABRIC_GQL_{key.upper()}": value for key, value in extra.items()})
    return env


@dataclass
class Api:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def send(self, signum: int) -> None:
        self.process.send_signal(signum)

    def stop(self, signum: int = signal.SIGTERM, timeout_s: float = 60) -> int:
        """Send `signum` and wait for the exit; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)


def start_api(log_dir: Path, name: str, env: dict[str, str]) -> Api:
    """`fabric-gql serve` on a free loopback port; returns once `/healthz` answers."""
    port = free_port()
    log = log_dir / f"{name}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [FABRIC_GQL, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    api = Api(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        try:
            httpx.get(f"{api.url}/healthz", timeout=5)
            return api
        except httpx.TransportError:
            if time.monotonic() > deadline:
                api.stop(signal.SIGKILL)
                message = f"{name} did not answer in {START_TIMEOUT_S} s; see {log}"
                raise RuntimeError(message) from None
            time.sleep(0.2)


# --- the shared fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def vector_dataset(sync_shards: SyncShards, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both shards loaded with `vector_catalogue` of VECTOR_PRODUCTS products; its folder."""
    root = tmp_path_factory.mktemp("hm-vectors")
    vector_catalogue(sync_shards, root, VECTOR_PRODUCTS)
    return root


@pytest.fixture(scope="module")
def lease_env(vector_dataset: Path) -> dict[str, str]:
    """The servers' environment: the vector catalogue, random weights, short leases."""
    return environment(
        dataset_dir=str(vector_dataset),
        embedding_weights="none",
        job_lease_s=str(LEASE_S),
        job_heartbeat_s=str(HEARTBEAT_S),
    )


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the logs of the processes a module starts."""
    return tmp_path_factory.mktemp("process-logs")


# --- GraphQL over HTTP, and job records read straight from the products shard -------------


def send(api: Api, query: str, **variables: Any) -> dict[str, Any]:
    with api.client() as client:
        response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ok(api: Api, query: str, **variables: Any) -> dict[str, Any]:
    body = send(api, query, **variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def record(shards: SyncShards, job_id: str) -> JobRecord:
    rows = shards.read(Shard.PRODUCTS, "job_get", id=job_id)
    job: JobRecord = rows[0]["job"]
    return job


def wait_for(shards: SyncShards, job_id: str, timeout_s: float = 300) -> JobRecord:
    deadline = time.monotonic() + timeout_s
    while (job := record(shards, job_id))["status"] not in DONE:
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(0.2)
    return job


def wait_until_running(shards: SyncShards, job_id: str) -> JobRecord:
    """The job once its worker has recorded progress (so it is well inside its work)."""
    deadline = time.monotonic() + 120
    while (job := record(shards, job_id))["processed"] == 0:
        assert job["status"] not in DONE, job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    return job
