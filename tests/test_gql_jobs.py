"""Jobs, uploads and search by image through the real app over HTTP and WebSockets, on the real
shards with the small dataset embedded once (random weights) by the API's own embedImages job."""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from gql_support import Catalogue, read_catalogue, serving
from PIL import Image
from pydantic import SecretStr
from websockets.sync.client import connect

from cypher.shards import Shard, SyncShards
from fabric_gql.settings import Settings
from gql.app import MAX_BODY
from ingest.load import load_dataset
from ingest.reset import reset_shards
from jobs.runner import Lease, create_record

pytestmark = pytest.mark.neo4j

TOKEN = "t0ken"
MODEL = "resnet50v2/none-seed0"
OTHER_MODEL = "resnet50v2/other"
# Enough that the current model has fewer than 100 (the largest topK) of the 120 products.
OTHER_MODEL_PRODUCTS = 40
UPLOAD_MAX_BYTES = 300_000  # the dataset's photos are at most ~140 kB
UPLOAD_MAX_PIXELS = 4_000_000  # and 1000×1500
FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED"}

JOB_FIELDS = "id kind status processed total failed error summary failures createdAt finishedAt"
JOB = f"query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"
EMBED_IMAGES = f"""mutation($codes: [ID!], $onlyMissing: Boolean) {{
  embedImages(codes: $codes, onlyMissing: $onlyMissing) {{ {JOB_FIELDS} }}
}}"""
RECOMPUTE = f"""mutation($topK: Int, $cutoff: Float, $method: KnnMethod) {{
  recomputeSimilarities(topK: $topK, similarityCutoff: $cutoff, method: $method) {{ {JOB_FIELDS} }}
}}"""
CANCEL = f"mutation($id: ID!) {{ cancelJob(id: $id) {{ {JOB_FIELDS} }} }}"
EMBEDDING = "query($c: ID!) { product(code: $c) { code hasEmbedding model embeddedAt } }"
EMBED_IMAGE = """mutation($code: ID!, $image: Upload!) {
  embedImage(code: $code, image: $image) { code hasEmbedding model }
}"""
SEARCH_MODELS = """query($image: Upload!, $topK: Int) {
  searchByImage(image: $image, topK: $topK) { product { code model } }
}"""
SEARCH = """query($image: Upload!, $topK: Int) {
  searchByImage(image: $image, topK: $topK) {
    score rank product { code name department { name } productType { name } }
  }
}"""


@pytest.fixture(scope="module")
def api_settings(settings: Settings, small_dataset: Path) -> Settings:
    """Overrides gql_support's: random weights, a token, and small upload limits."""
    return settings.model_copy(
        update={
            "dataset_dir": small_dataset,
            "embedding_weights": "none",
            "api_token": SecretStr(TOKEN),
            "upload_max_bytes": UPLOAD_MAX_BYTES,
            "upload_max_pixels": UPLOAD_MAX_PIXELS,
        }
    )


@pytest.fixture(scope="module")
def loaded(sync_shards: SyncShards, small_dataset: Path) -> Catalogue:
    reset_shards(sync_shards)
    report = load_dataset(sync_shards, small_dataset, batch_size=500)
    assert report.bad.total == 0
    return read_catalogue(small_dataset)


@pytest.fixture(scope="module")
def api(loaded: Catalogue, http: httpx.Client) -> httpx.Client:
    """The loopback server, started after the load."""
    return http


def send(
    client: httpx.Client, query: str, *, token: str | None = TOKEN, **variables: Any
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ok(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    body = send(client, query, **variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def codes_of(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def wait_for(client: httpx.Client, job_id: str, timeout_s: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = ok(client, JOB, id=job_id)["job"]
        if job["status"] in FINISHED:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(0.2)


def upload(
    client: httpx.Client,
    query: str,
    file: bytes,
    *,
    token: str | None = TOKEN,
    preflight: bool = True,
    **variables: Any,
) -> httpx.Response:
    """A GraphQL multipart request: operations, map, then the file as `variables.image`."""
    operations = {"query": query, "variables": {**variables, "image": None}}
    form = {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.image"]})}
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if preflight:
        headers["Apollo-Require-Preflight"] = "true"
    files = {"0": ("photo.jpg", file, "image/jpeg")}
    return client.post("/graphql", data=form, files=files, headers=headers)


def photo(catalogue: Catalogue, code: str) -> bytes:
    return (catalogue.root / "images" / code[:3] / f"{code}.jpg").read_bytes()


def without_image(catalogue: Catalogue) -> list[str]:
    return sorted(set(catalogue.articles) - set(catalogue.with_image))


@pytest.fixture(scope="module")
def embedded(api: httpx.Client) -> dict[str, Any]:
    """Every product with an image embedded by the API's job (once for the module)."""
    job = ok(api, EMBED_IMAGES)["embedImages"]
    return wait_for(api, job["id"])


# --- the token ---------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer wrong", TOKEN, f"Basic {TOKEN}"])
def test_a_mutation_without_the_token_is_unauthenticated(
    api: httpx.Client, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = api.post("/graphql", json={"query": RECOMPUTE, "variables": {}}, headers=headers)
    body = response.json()
    assert codes_of(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None


def test_a_mutation_with_the_token_returns_its_job(
    api: httpx.Client, embedded: dict[str, Any]
) -> None:
    job = ok(api, RECOMPUTE, topK=3)["recomputeSimilarities"]
    assert job["kind"] == "RECOMPUTE_SIMILARITIES"
    assert job["status"] in {"QUEUED", "RUNNING"}
    assert wait_for(api, job["id"])["status"] == "SUCCEEDED"


# --- embedding and similarity jobs --------------------------------------------------------


def test_embed_images_job_embeds_every_product_with_an_image(
    embedded: dict[str, Any], loaded: Catalogue
) -> None:
    assert embedded["status"] == "SUCCEEDED", embedded
    assert embedded["kind"] == "EMBED_IMAGES"
    assert embedded["total"] == embedded["processed"] == len(loaded.with_image)
    assert embedded["failed"] == 0
    assert MODEL in embedded["summary"]
    assert embedded["finishedAt"] >= embedded["createdAt"]


def test_embedded_products_show_the_model_and_others_none(
    api: httpx.Client, embedded: dict[str, Any], loaded: Catalogue
) -> None:
    for code in loaded.with_image[:5]:
        product = ok(api, EMBEDDING, c=code)["product"]
        assert product["hasEmbedding"] is True
        assert product["model"] == MODEL
        assert product["embeddedAt"] >= embedded["createdAt"]
    bare = ok(api, EMBEDDING, c=without_image(loaded)[0])["product"]
    assert bare == {**bare, "hasEmbedding": False, "model": None, "embeddedAt": None}


def test_model_is_read_in_one_batch_for_a_list(api: httpx.Client, embedded: dict[str, Any]) -> None:
    edges = ok(
        api,
        "{ products(first: 50, filter: {hasImage: true}) "
        "{ edges { node { hasEmbedding model embeddedAt } } } }",
    )["products"]["edges"]
    assert len(edges) == 50
    assert {edge["node"]["model"] for edge in edges} == {MODEL}


def test_recompute_gives_similar_products_in_descending_score(
    api: httpx.Client, embedded: dict[str, Any], loaded: Catalogue
) -> None:
    job = ok(api, RECOMPUTE, topK=5, method="EXACT")["recomputeSimilarities"]
    assert wait_for(api, job["id"])["status"] == "SUCCEEDED"
    for code in loaded.with_image[:3]:
        similar = ok(
            api, "query($c: ID!) { similarProducts(code: $c, topK: 5) { score rank } }", c=code
        )["similarProducts"]
        scores = [s["score"] for s in similar]
        assert len(scores) == 5
        assert scores == sorted(scores, reverse=True)
        assert [s["rank"] for s in similar] == [1, 2, 3, 4, 5]
        assert all(-1.0 <= s <= 1.0 + 1e-6 for s in scores)


def test_recompute_defaults_to_auto_and_names_the_method_it_ran(
    api: httpx.Client, embedded: dict[str, Any]
) -> None:
    job = ok(api, RECOMPUTE, topK=5)["recomputeSimilarities"]
    assert wait_for(api, job["id"])["status"] == "SUCCEEDED"
    summary = wait_for(api, job["id"])["summary"]
    # The demo catalogue is far below AUTO's threshold: exact search, and the summary says so.
    assert "by EXACT (AUTO: " in summary and " < 10000 vectors)" in summary


@pytest.mark.parametrize(
    "variables",
    [{"topK": 0}, {"topK": 101}, {"cutoff": 1.5}, {"cutoff": -1.01}],
)
def test_recompute_arguments_outside_their_range_are_bad_user_input(
    api: httpx.Client, variables: dict[str, Any]
) -> None:
    body = send(api, RECOMPUTE, **variables)
    assert codes_of(body) == ["BAD_USER_INPUT"]


def test_a_second_recompute_while_one_runs_is_a_conflict_naming_it(
    api: httpx.Client, embedded: dict[str, Any]
) -> None:
    first = ok(api, RECOMPUTE, topK=4)["recomputeSimilarities"]
    # A recompute lasts over two seconds (it waits before pruning the superseded edges).
    second = send(api, RECOMPUTE, topK=4)
    assert codes_of(second) == ["JOB_CONFLICT"]
    assert first["id"] in second["errors"][0]["message"]
    assert wait_for(api, first["id"])["status"] == "SUCCEEDED"


def test_cancel_job_stops_a_running_job(api: httpx.Client, embedded: dict[str, Any]) -> None:
    job = ok(api, EMBED_IMAGES, onlyMissing=False)["embedImages"]
    cancelled = ok(api, CANCEL, id=job["id"])["cancelJob"]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["error"] == "cancelled on request"
    assert cancelled["processed"] < cancelled["total"]
    assert ok(api, JOB, id=job["id"])["job"]["status"] == "CANCELLED"


def test_cancel_of_an_unknown_job_is_not_found(api: httpx.Client) -> None:
    assert codes_of(send(api, CANCEL, id="nope")) == ["NOT_FOUND"]
    assert ok(api, JOB, id="nope")["job"] is None


def test_jobs_lists_newest_first(api: httpx.Client, embedded: dict[str, Any]) -> None:
    jobs = ok(api, "{ jobs { id createdAt } }")["jobs"]
    assert len(jobs) >= 2
    created = [job["createdAt"] for job in jobs]
    assert created == sorted(created, reverse=True)
    assert embedded["id"] in {job["id"] for job in jobs}


# --- the subscription ---------------------------------------------------------------------


def subscribe(server_url: str, job_id: str) -> list[dict[str, Any]]:
    """Every message after the ack for one jobProgress subscription, up to `complete`."""
    url = server_url.replace("http://", "ws://") + "/graphql"
    document = f"subscription($id: ID!) {{ jobProgress(id: $id) {{ {JOB_FIELDS} }} }}"
    messages = []
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        # With a token set, a subscription needs it too (checked at connection_init).
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {TOKEN}"}}
        ws.send(json.dumps(init))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        payload = {"query": document, "variables": {"id": job_id}}
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        while True:
            message = json.loads(ws.recv(timeout=120))
            messages.append(message)
            if message["type"] in {"complete", "error"}:
                return messages


def test_job_progress_streams_updates_until_the_job_finishes(
    api: httpx.Client, server_url: str, embedded: dict[str, Any]
) -> None:
    job = ok(api, RECOMPUTE, topK=6)["recomputeSimilarities"]
    messages = subscribe(server_url, job["id"])
    assert messages[-1] == {"id": "1", "type": "complete"}
    updates = [m["payload"]["data"]["jobProgress"] for m in messages[:-1]]
    assert all(m["type"] == "next" for m in messages[:-1])
    assert len(updates) >= 2
    assert {u["id"] for u in updates} == {job["id"]}
    assert updates[-1]["status"] == "SUCCEEDED"
    assert updates[-1]["processed"] == updates[-1]["total"] > 0
    assert all(u["status"] not in FINISHED for u in updates[:-1])


def test_job_progress_of_a_finished_job_is_its_record_then_complete(
    server_url: str, embedded: dict[str, Any]
) -> None:
    messages = subscribe(server_url, embedded["id"])
    assert [m["type"] for m in messages] == ["next", "complete"]
    assert messages[0]["payload"]["data"]["jobProgress"]["status"] == "SUCCEEDED"


def test_job_progress_of_an_unknown_job_is_not_found(server_url: str, api: httpx.Client) -> None:
    messages = subscribe(server_url, "nope")
    errors = [e for m in messages for e in (m.get("payload") or {}).get("errors", [])]
    errors += [e for m in messages if m["type"] == "error" for e in m["payload"]]
    assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]


# --- uploads -------------------------------------------------------------------------------


def jpeg(pixels: np.ndarray | Image.Image, quality: int = 90) -> bytes:
    image = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def test_embed_image_embeds_the_uploaded_photo(
    api: httpx.Client, embedded: dict[str, Any], loaded: Catalogue
) -> None:
    code = without_image(loaded)[0]
    response = upload(api, EMBED_IMAGE, photo(loaded, loaded.with_image[-1]), code=code)
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["embedImage"] == {"code": code, "hasEmbedding": True, "model": MODEL}
    assert ok(api, EMBEDDING, c=code)["product"]["model"] == MODEL


def test_embed_image_without_the_token_is_unauthenticated(
    api: httpx.Client, loaded: Catalogue
) -> None:
    code = without_image(loaded)[1]
    response = upload(api, EMBED_IMAGE, photo(loaded, loaded.with_image[0]), code=code, token=None)
    assert codes_of(response.json()) == ["UNAUTHENTICATED"]
    assert ok(api, EMBEDDING, c=code)["product"]["hasEmbedding"] is False


def test_embed_image_of_an_unknown_code_is_not_found(api: httpx.Client, loaded: Catalogue) -> None:
    response = upload(api, EMBED_IMAGE, photo(loaded, loaded.with_image[0]), code="0999999999")
    assert codes_of(response.json()) == ["NOT_FOUND"]


def _bad_upload(kind: str, catalogue: Catalogue) -> bytes:
    real = photo(catalogue, catalogue.with_image[0])
    noise = np.random.default_rng(0).integers(0, 256, (700, 700, 3), dtype=np.uint8)
    rng = random.Random(1)
    return {
        "corrupt": b"\xff\xd8\xff\xe0" + bytes(rng.randrange(256) for _ in range(5000)),
        "truncated": real[: len(real) * 6 // 10],
        "text": b"name,price\nshirt,9.99\n" * 20,
        "empty": b"",
        "too many bytes": jpeg(noise, quality=95),
        "too many pixels": jpeg(Image.new("RGB", (2500, 2000), (200, 30, 30))),
    }[kind]


BAD_UPLOADS = [
    ("corrupt", "CORRUPT_IMAGE"),
    ("truncated", "CORRUPT_IMAGE"),
    ("text", "NOT_AN_IMAGE"),
    ("empty", "NOT_AN_IMAGE"),
    ("too many bytes", "IMAGE_TOO_LARGE"),
    ("too many pixels", "IMAGE_TOO_LARGE"),
]


@pytest.mark.parametrize(("kind", "code"), BAD_UPLOADS)
def test_a_bad_upload_is_rejected_with_its_code_and_no_trace(
    api: httpx.Client, embedded: dict[str, Any], loaded: Catalogue, kind: str, code: str
) -> None:
    target = without_image(loaded)[2]
    file = _bad_upload(kind, loaded)
    if kind == "too many bytes":
        assert UPLOAD_MAX_BYTES < len(file) < UPLOAD_MAX_BYTES + MAX_BODY
    response = upload(api, EMBED_IMAGE, file, code=target)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert codes_of(body) == [code]
    assert "Traceback" not in response.text and ".py" not in response.text
    assert ok(api, EMBEDDING, c=target)["product"]["hasEmbedding"] is False


def test_search_by_image_rejects_a_non_image(api: httpx.Client, embedded: dict[str, Any]) -> None:
    response = upload(api, SEARCH, b"GIF89a? not really", token=None, topK=3)
    assert codes_of(response.json()) == ["NOT_AN_IMAGE"]


def test_an_upload_without_the_preflight_header_is_refused(
    api: httpx.Client, loaded: Catalogue
) -> None:
    code = without_image(loaded)[3]
    response = upload(
        api, EMBED_IMAGE, photo(loaded, loaded.with_image[0]), code=code, preflight=False
    )
    assert response.status_code == 400
    assert "Apollo-Require-Preflight" in response.text
    assert ok(api, EMBEDDING, c=code)["product"]["hasEmbedding"] is False


def test_a_body_past_the_upload_room_is_413(api: httpx.Client, loaded: Catalogue) -> None:
    code = without_image(loaded)[3]
    file = b"\xff" * (UPLOAD_MAX_BYTES + MAX_BODY + 1)
    assert upload(api, EMBED_IMAGE, file, code=code).status_code == 413


def test_a_json_body_keeps_the_small_limit(api: httpx.Client) -> None:
    padding = " " * (MAX_BODY + 1)
    response = api.post(
        "/graphql",
        content=f'{{"query": "{{ departments {{ name }} }}{padding}"}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


# --- search by image -----------------------------------------------------------------------


def test_search_by_image_finds_the_product_itself_first(
    api: httpx.Client, embedded: dict[str, Any], loaded: Catalogue
) -> None:
    code = loaded.with_image[len(loaded.with_image) // 2]
    # A query: open without the token.
    response = upload(api, SEARCH, photo(loaded, code), token=None, topK=5)
    body = response.json()
    assert "errors" not in body, body
    found = body["data"]["searchByImage"]
    assert len(found) == 5
    assert found[0]["product"]["code"] == code
    assert found[0]["score"] == pytest.approx(1.0, abs=1e-3)
    assert found[0]["product"]["name"] == loaded.articles[code]["prod_name"]
    assert found[0]["product"]["department"]["name"] == loaded.articles[code]["department_name"]
    scores = [hit["score"] for hit in found]
    assert scores == sorted(scores, reverse=True)
    assert [hit["rank"] for hit in found] == [1, 2, 3, 4, 5]


@pytest.fixture
def other_model_nearest(
    api: httpx.Client, embedded: dict[str, Any], loaded: Catalogue, sync_shards: SyncShards
) -> Iterator[tuple[str, set[str]]]:
    """A code and the products whose vectors are now its own vector but from another model:
    nearer to a search with its photo than any other vector of the current model. Afterwards
    the job embeds them again with the current model."""
    code = loaded.with_image[len(loaded.with_image) // 2]
    vectors = sync_shards.read(Shard.PRODUCTS, "knn_vectors", after="", limit=len(loaded.articles))
    vector = next(row["embedding"] for row in vectors if row["code"] == code)
    others = [c for c in loaded.with_image if c != code][:OTHER_MODEL_PRODUCTS]
    rows = [{"code": other, "vector": vector} for other in others]
    sync_shards.write(Shard.PRODUCTS, "embed_write", rows=rows, model=OTHER_MODEL)
    yield code, set(others)
    job = ok(api, EMBED_IMAGES, codes=others)["embedImages"]
    assert wait_for(api, job["id"])["status"] == "SUCCEEDED"


def _models_found(api: httpx.Client, file: bytes, top_k: int) -> list[tuple[str, str]]:
    response = upload(api, SEARCH_MODELS, file, token=None, topK=top_k)
    body = response.json()
    assert "errors" not in body, body
    return [
        (hit["product"]["code"], hit["product"]["model"]) for hit in body["data"]["searchByImage"]
    ]


def test_search_by_image_finds_top_k_of_the_current_model_past_nearer_others(
    api: httpx.Client, loaded: Catalogue, other_model_nearest: tuple[str, set[str]]
) -> None:
    code, others = other_model_nearest
    found = _models_found(api, photo(loaded, code), top_k=5)
    assert len(found) == 5
    assert found[0][0] == code
    assert {model for _, model in found} == {MODEL}
    assert not others & {c for c, _ in found}


def test_search_by_image_gives_every_vector_of_the_model_when_fewer_than_top_k(
    api: httpx.Client,
    loaded: Catalogue,
    sync_shards: SyncShards,
    other_model_nearest: tuple[str, set[str]],
) -> None:
    code, _ = other_model_nearest
    rows = sync_shards.read(Shard.PRODUCTS, "product_embeddings", keys=list(loaded.articles))
    current = {row["key"] for row in rows if row["value"]["model"] == MODEL}
    assert 5 < len(current) < 100
    found = _models_found(api, photo(loaded, code), top_k=100)
    assert {c for c, _ in found} == current
    assert {model for _, model in found} == {MODEL}


# --- restart ---------------------------------------------------------------------------------


def test_a_restart_marks_a_job_whose_lease_ran_out_failed_and_not_a_live_one(
    api: httpx.Client, api_settings: Settings, sync_shards: SyncShards, embedded: dict[str, Any]
) -> None:
    # Jobs of other (gone) owners: one whose lease ran out, one whose lease is live.
    stale = create_record(sync_shards, "RESTART_PROBE", {}, Lease(60, 1, owner="gone:1:aaaaaa"))
    live = create_record(sync_shards, "LIVE_PROBE", {}, Lease(600, 1, owner="busy:2:bbbbbb"))
    fields = {"status": "RUNNING", "leaseUntil": 0}
    sync_shards.write(Shard.PRODUCTS, "job_update", id=stale["id"], fields=fields)
    try:
        with serving(api_settings) as url, httpx.Client(base_url=url, timeout=30) as client:
            failed = wait_for(client, stale["id"], timeout_s=30)
            still = ok(client, JOB, id=live["id"])["job"]
        assert failed["status"] == "FAILED"
        assert failed["error"] == "interrupted: owner gone:1:aaaaaa stopped heartbeating"
        assert failed["finishedAt"] is not None
        assert still["status"] == "QUEUED"
    finally:
        sync_shards.write(Shard.PRODUCTS, "job_update", id=live["id"], fields={"status": "FAILED"})
