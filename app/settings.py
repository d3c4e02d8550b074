"""Service settings, from ``ALINEA_*`` environment variables (and a ``.env`` file if present)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
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
    max_page_size: int = Field(default=200, ge=1, description="Largest `limit` on list endpoints.")
    max_import_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        description="Largest termbase file an import reads (API: 413 above; command line: the "
        "import is refused).",
    )
    index_check_interval: float = Field(
        default=0.5,
        ge=0.0,
        description="Seconds between checks of the database for termbase changes made by other "
        "processes (0: before every request).",
    )

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
