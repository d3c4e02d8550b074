"""Service settings, from ``ALINEA_*`` environment variables (and a ``.env`` file if present)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALINEA_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///alinea.db",
        description="SQLAlchemy URL. SQLite file by default; postgresql://… for PostgreSQL.",
    )
    auto_migrate: bool = Field(
        default=True, description="Apply Alembic migrations when the service starts."
    )
    load_seed: bool = Field(
        default=True,
        description="Load the UN seed termbase on first start (never again once it was loaded).",
    )
    max_request_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 above)."
    )
    max_recognize_chars: int = Field(
        default=1_000_000, ge=100, description="Longest text accepted by term recognition."
    )
    max_query_chars: int = Field(default=500, ge=10, description="Longest look-up query.")
    max_align_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest text per side that alignment accepts, in UTF-8 bytes (API: 413 "
        "above; command line: an error).",
    )
    max_align_sentences: int = Field(
        default=64_000,
        ge=10,
        le=1_000_000,
        description="Most sentences a side that alignment accepts (API: 413 above; command line "
        "and job items: an error). Bounds the aligner's memory: about 700 MB at 64,000.",
    )
    max_align_file_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Largest file a side that `alinea align` reads, in bytes (UTF-8 once "
        "decoded; the text of a .docx). Local files are not bound by the service's per-request "
        "limit.",
    )
    max_page_size: int = Field(default=200, ge=1, description="Largest `limit` on list endpoints.")
    max_import_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        description="Largest termbase file an import reads (API: 413 above; command line: the "
        "import is refused).",
    )
    # -- access, limits and timeouts ---------------------------------------------------------------
    auth: Literal["writes", "required", "off"] = Field(
        default="writes",
        description="`writes`: reads are open, every write needs an API key (Authorization: "
        "Bearer); `required`: every request but the health probes needs a key; `off`: no key "
        "needed (refused unless the service listens on loopback only).",
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0.0,
        le=300.0,
        description="Seconds a service process trusts a key it has checked before it reads the "
        "key table again (a revoked key is refused at most this long after).",
    )
    api_key: str | None = Field(
        default=None,
        description="The key that `alinea jobs …` sends to the service (the command line's side).",
    )
    rate_limit: str = Field(
        default="100/second;3000/minute",
        max_length=200,
        description="Requests per API key, or per client address for requests without a key "
        "(429 above); `limits` notation, several joined by `;`; `off` for none.",
    )
    rate_limit_heavy: str = Field(
        default="120/minute",
        max_length=200,
        description="Recognitions, alignments, termbase imports and exports, job submissions "
        "and job results, per key or address, on top of `rate_limit`; `off` for none.",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        max_length=500,
        description="Where the counters live: `memory://` (each service process counts on its "
        "own) or a storage URI of the `limits` library shared by several processes.",
    )
    cursor_secret: str | None = Field(
        default=None,
        min_length=16,
        description="Key that signs pagination cursors; by default one is generated and stored "
        "in the database, so every process of the service shares it.",
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a client has to send the headers of a request, from its first byte "
        "(or from connecting); the connection is closed after it (`alinea serve`).",
    )
    idle_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a client may stay silent while it sends a request body, or leave a "
        "response unread; the connection is closed after it (`alinea serve`).",
    )
    max_recognize_matches: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Most terms found that one recognition returns (then `truncated` is true).",
    )
    database_pool_size: int = Field(
        default=5, ge=1, le=100, description="Database connections a service process keeps."
    )
    database_max_overflow: int = Field(
        default=10, ge=0, le=100, description="Connections it may open beyond the pool when busy."
    )
    database_pool_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds a request waits for a free connection before it gets a 503 problem.",
    )
    require_if_match: bool = Field(
        default=False,
        description="Writes to an existing concept (PATCH, DELETE, its terms, a restore) must "
        "say which revision they are based on (If-Match, or `revision` in a PATCH body): 428 "
        "without it.",
    )
    on_duplicate: Literal["warn", "refuse"] = Field(
        default="warn",
        description="A concept written with the main term of another (a possible duplicate): "
        "`warn` lists it in the answer, `refuse` answers 409 (imports: an error). Requests may "
        "ask for either with `on_duplicate=`.",
    )
    index_check_interval: float = Field(
        default=0.5,
        ge=0.0,
        description="Seconds between checks of the database for termbase changes made by other "
        "processes (0: before every request).",
    )

    # -- batch jobs ------------------------------------------------------------------------------
    url: str = Field(
        default="http://127.0.0.1:8000",
        description="The service that `alinea jobs …` talks to (the command line's side only).",
    )
    runner: Literal["local", "off"] = Field(
        default="local",
        description="`local`: `alinea serve` runs a job runner in the service process (its items "
        "run on a local process pool, or on Dask with ALINEA_DASK_SCHEDULER); `off`: the service "
        "only queues jobs, and `alinea worker` processes run them.",
    )
    job_workers: int = Field(
        default_factory=lambda: max(os.cpu_count() or 1, 1),
        ge=1,
        le=256,
        description="Processes of the local pool that aligns job items (default: one per core).",
    )
    dask_scheduler: str | None = Field(
        default=None,
        description="Address of a Dask scheduler (tcp://host:8786): job items then run on that "
        "Dask cluster instead of the local pool.",
    )
    job_max_items: int = Field(
        default=10_000, ge=1, description="Most document pairs in one job (413 above)."
    )
    job_max_document_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest side of a document pair in a job, in UTF-8 bytes once decoded "
        "(413 above).",
    )
    job_max_upload_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1024,
        description="Largest `POST /v1/jobs` request body (JSON or upload), and largest total "
        "size of the files unpacked from it (413 above).",
    )
    job_item_timeout: float = Field(
        default=300.0,
        gt=0,
        description="Seconds one item may take on a worker; an item still running then is "
        "failed with that reason and its worker process replaced.",
    )
    job_max_attempts: int = Field(
        default=3,
        ge=1,
        description="How many times an item is started before it is failed, when its worker "
        "process dies or its runner stops while aligning it.",
    )
    job_lease_seconds: float = Field(
        default=30.0,
        ge=1.0,
        description="A runner renews the claim on its running items every third of this; items "
        "of a runner that stopped renewing are queued again once it has run out.",
    )
    job_poll_interval: float = Field(
        default=0.5,
        gt=0,
        description="Seconds between a runner's looks for new items while it has nothing to do.",
    )

    @field_validator("rate_limit", "rate_limit_heavy")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value.strip().lower() in ("", "off", "none"):
            return "off"
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not a rate limit such as '100/second;3000/minute', nor 'off'"
            ) from exc
        return value

    @property
    def max_align_request_bytes(self) -> int:
        """Largest request body for ``POST /v1/align``, so that texts within the limit fit.

        A client's JSON encoder may escape text (``\\u00e9`` is six bytes for the two of ``é``
        in UTF-8; a line break is two), so the body may be up to three times its texts' UTF-8
        size; ``max_request_bytes`` more leaves room for anchors and the rest of the document.
        A text over ``max_align_bytes`` in a body that fits gets the route's own 413.
        """
        return 3 * 2 * self.max_align_bytes + self.max_request_bytes


@lru_cache
def get_settings() -> Settings:
    return Settings()
