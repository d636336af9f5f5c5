"""The one settings object. Every knob is read here, once, from FABRIC_GQL_* variables or `.env`."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class FederationMode(StrEnum):
    DIRECT = "direct"
    FABRIC = "fabric"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FABRIC_GQL_", env_file=".env", extra="ignore")

    # Where project-local state lives (Neo4j stores, demo data, model caches). Git-ignored.
    data_dir: Path = ROOT / ".data"

    # The two shards. Community edition has only the `neo4j` user database, so both local
    # servers use it; a Fabric/composite deployment names its graphs below.
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("fabric-gql-local")
    products_port: int = 7687
    transactions_port: int = 7688
    products_uri: str | None = None
    transactions_uri: str | None = None
    products_database: str = "neo4j"
    transactions_database: str = "neo4j"
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "2g"
    neo4j_start_timeout_s: float = 180.0
    # Off-heap memory of `fabric-gql load --bulk`'s import tool (its own default is 90 % of RAM).
    neo4j_import_memory: str = "2g"

    federation: FederationMode = FederationMode.DIRECT
    fabric_uri: str | None = None
    fabric_database: str = "fabric"
    fabric_products_graph: str = "fabric.products"
    fabric_transactions_graph: str = "fabric.neo4j"

    # Where the H&M layout (articles.csv, images/...) of the served catalogue lives; the demo's
    # folder (data_dir/demo) unless set.
    dataset_dir: Path = Field(default_factory=lambda fields: fields["data_dir"] / "demo")

    # The GraphQL API (`fabric-gql serve`). CORS origins are a JSON list in the environment,
    # e.g. FABRIC_GQL_CORS_ORIGINS='["http://localhost:5173"]'; empty means same-origin only.
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # API processes behind the one port (uvicorn's workers): each has its own drivers, jobs and
    # caches; /metrics adds up all of them. One suits a small machine or a test.
    http_workers: int = Field(default=1, ge=1, le=64)
    cors_origins: list[str] = []
    # "production" (the Docker image): introspection, field suggestions and GraphiQL off, no
    # mutation or subscription without a configured api_token (and `serve` refuses a
    # non-loopback address without one), JSON logs, /metrics behind the token. Each switch
    # below defaults from the profile and can be set on its own. (A default from the profile is
    # computed when Settings is built: `model_copy(update={"profile": ...})` keeps the old ones.)
    profile: Literal["development", "production"] = "development"
    graphiql: bool = Field(default_factory=lambda fields: fields["profile"] == "development")
    introspection: bool = Field(default_factory=lambda fields: fields["profile"] == "development")
    field_suggestions: bool = Field(
        default_factory=lambda fields: fields["profile"] == "development"
    )
    # With no api_token: are mutations and subscriptions open (development) or refused?
    writes_without_token: bool = Field(
        default_factory=lambda fields: fields["profile"] == "development"
    )
    # `serve`'s log lines: text, or one JSON object a line (time, level, logger, message,
    # request_id, exc_info), uvicorn's access log included.
    log_format: Literal["text", "json"] = Field(
        default_factory=lambda fields: "json" if fields["profile"] == "production" else "text"
    )
    # Prometheus metrics at /metrics; with metrics_need_token and an api_token set, a scrape
    # needs `Authorization: Bearer <token>` (Prometheus's `authorization` scrape option).
    metrics: bool = True
    metrics_need_token: bool = Field(
        default_factory=lambda fields: fields["profile"] == "production"
    )
    # A shard that does not answer within this is reported as SHARD_UNAVAILABLE.
    shard_connect_timeout_s: float = 1.0
    # Argument limits: page sizes (`first`), `topK`, `randomProducts(count)`.
    max_page_size: int = 100
    max_top_k: int = 100
    max_random_count: int = 100
    # Parsed and validated GraphQL documents kept (LRU), and the deepest selection allowed.
    graphql_cache_size: int = 512
    graphql_max_depth: int = 12
    # Size limits, checked before any Cypher runs (QUERY_TOO_COMPLEX; see gql/limits.py): the
    # static cost (fields the response can hold), aliases, directives and lexical tokens of a
    # document; validation errors reported per response.
    graphql_max_cost: int = 50_000
    graphql_max_aliases: int = 15
    graphql_max_directives: int = 20
    graphql_max_tokens: int = 2_000
    graphql_max_errors: int = 10
    # Automatic persisted queries (Apollo's `persistedQuery` extension, gql/persisted.py): a
    # client sends a document's sha256 and, once, the document; this many are kept (LRU).
    persisted_queries_cache: int = 1_000
    # Trusted documents: a persisted-query manifest (Apollo's JSON format, or {hash: document});
    # when set, only its documents run, by hash or by text, and nothing else can be registered.
    trusted_documents: Path | None = None
    # Each query or mutation gets this long (TIMEOUT after); its Cypher transactions get what
    # is left of it as their server-side timeout, so the shards stop the work too. A backstop
    # behind the cost limit, with room for the first upload, which loads the image model.
    request_timeout_s: float = 30.0

    # Image embeddings: "imagenet" (Keras downloads and caches the weights: the production
    # default), a path to a weights file, or "none" (random weights with a fixed seed: for tests
    # and machines without internet; the API shows it in every product's model id).
    embedding_weights: str = "imagenet"
    embedding_batch_size: int = 32
    # "auto": bfloat16 where the CPU multiplies it natively (AMX / AVX512-BF16), else float32.
    # bfloat16 kept recall@10 of the neighbour lists at 0.993 against float32 (558 images).
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = "auto"
    embedding_seed: int = 0
    # Mutations and subscriptions need `Authorization: Bearer <token>` when a token is set
    # (see writes_without_token for when none is).
    api_token: SecretStr | None = None
    # Uploads (embedImage, searchByImage): bytes and decoded pixels at most.
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_max_pixels: int = 40_000_000
    # A running job is its process's for `job_lease_s` past the last heartbeat (one every
    # `job_heartbeat_s`); after that any process marks it FAILED and may start another.
    job_lease_s: float = 15.0
    job_heartbeat_s: float = 3.0

    @property
    def products_bolt(self) -> str:
        return self.products_uri or f"bolt://127.0.0.1:{self.products_port}"

    @property
    def transactions_bolt(self) -> str:
        return self.transactions_uri or f"bolt://127.0.0.1:{self.transactions_port}"

    @property
    def neo4j_dir(self) -> Path:
        return self.data_dir / "neo4j"

    @property
    def demo_dir(self) -> Path:
        return self.data_dir / "demo"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
