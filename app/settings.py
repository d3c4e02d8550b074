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
    max_page_size: int = Field(default=200, ge=1, description="Largest `limit` on list endpoints.")
    index_check_interval: float = Field(
        default=0.0,
        ge=0.0,
        description="Seconds between checks of the database for termbase changes made by other "
        "processes (0: before every request).",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
