"""One typed settings object, filled from ``PRL_``-prefixed environment variables.

CLI flags override it (``Settings(**overrides)``); nothing reads the environment at import
time, so tests can build their own settings and stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def user_data_dir() -> Path:
    """prl's folder in the user data folder (``~/.local/share/prl`` on Linux): the embedded
    store and the demo's files."""
    return platformdirs.user_data_path("prl")


def default_data_dir() -> Path:
    return user_data_dir() / "store"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRL_", extra="ignore")

    store: Literal["oxigraph", "neo4j"] = "oxigraph"
    data_dir: Path = Field(default_factory=default_data_dir)  # the embedded store's folder
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None  # None: no authentication
    neo4j_database: str = "neo4j"
    neo4j_timeout: float = 30.0  # seconds for connecting and for one transaction
    neo4j_writers: int = Field(default=2, ge=1, le=64)  # parallel write transactions of a file load
    api_token: SecretStr | None = None  # required by write endpoints; None disables them
    max_page_size: int = 100
    max_query_length: int = 200
    sparql_timeout: float = 5.0
    sparql_result_cap: int = 10_000  # rows (or triples) of one SPARQL answer
    sparql_result_bytes: int = 16 * 1024 * 1024  # and about this many bytes of them
    #: per client address, for /sparql: requests a second, at once (burst), and running
    sparql_rate: float = 5.0
    sparql_burst: int = 20
    sparql_per_client: int = 2
    #: per client address, for /v1/reports: requests a second, at once, and running
    report_rate: float = 2.0
    report_burst: int = 10
    report_per_client: int = 2
    cache_bytes: int = 64 * 1024 * 1024  # answers kept by the API, in bytes (0: no cache)
    cache_ttl: float = 60.0  # seconds an answer may be served after a write by another process
    #: origins whose pages may read the API (CORS; reads only, never writes)
    cors_origins: list[str] = ["*"]
    max_header_bytes: int = 16 * 1024  # a request's header block (431 beyond)
    max_upload_bytes: int = 200 * 1024 * 1024  # a PUT body (413 beyond)
