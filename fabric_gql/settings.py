"""The one settings object. Every knob is read here, once, from FABRIC_GQL_* variables or `.env`."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
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

    federation: FederationMode = FederationMode.DIRECT
    fabric_uri: str | None = None
    fabric_database: str = "fabric"
    fabric_products_graph: str = "fabric.products"
    fabric_transactions_graph: str = "fabric.neo4j"

    # Where the H&M layout (articles.csv, images/...) of the served catalogue lives; the demo's
    # folder (data_dir/demo) unless set.
    dataset_dir: Path | None = None

    # The GraphQL API (`fabric-gql serve`). CORS origins are a JSON list in the environment,
    # e.g. FABRIC_GQL_CORS_ORIGINS='["http://localhost:5173"]'; empty means same-origin only.
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    cors_origins: list[str] = []
    graphiql: bool = True
    # A shard that does not answer within this is reported as SHARD_UNAVAILABLE.
    shard_connect_timeout_s: float = 1.0
    # Argument limits: page sizes (`first`), `topK`, `randomProducts(count)`.
    max_page_size: int = 100
    max_top_k: int = 100
    max_random_count: int = 100
    # Parsed and validated GraphQL documents kept (LRU), and the deepest selection allowed.
    graphql_cache_size: int = 512
    graphql_max_depth: int = 12

    # Image embeddings: "imagenet" (Keras downloads and caches the weights: the production
    # default), a path to a weights file, or "none" (random weights with a fixed seed: for tests
    # and machines without internet; the API shows it in every product's model id).
    embedding_weights: str = "imagenet"
    embedding_batch_size: int = 32
    # "auto": bfloat16 where the CPU multiplies it natively (AMX / AVX512-BF16), else float32.
    # bfloat16 kept recall@10 of the neighbour lists at 0.993 against float32 (558 images).
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = "auto"
    embedding_seed: int = 0
    # Mutations need `Authorization: Bearer <token>` when a token is set.
    api_token: SecretStr | None = None
    # Uploads (embedImage, searchByImage): bytes and decoded pixels at most.
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_max_pixels: int = 40_000_000

    @model_validator(mode="after")
    def _default_dataset(self) -> Settings:
        if self.dataset_dir is None:
            self.dataset_dir = self.data_dir / "demo"
        return self

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
