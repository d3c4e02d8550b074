"""The tables of access control: API keys, and the service's own secrets.

A key is shown once, when it is made: the table keeps its public ``prefix`` (how a presented key
is found) and the SHA-256 of the whole key, never the key. Keys are high-entropy random tokens
(256 bits), so a plain hash is enough; a slow password hash would add nothing but latency.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from termbase.models import Base, UTCDateTime, utcnow

MAX_OWNER_LENGTH = 200


class Role(enum.StrEnum):
    """What a key may do; each role may do everything the ones before it may."""

    READER = "reader"  # look-up, recognition, alignment, jobs, reading the termbase
    TERMINOLOGIST = "terminologist"  # + concept edits, termbase imports
    ADMIN = "admin"  # + anyone's jobs

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def covers(self, other: Role) -> bool:
        return self.rank >= other.rank


class ApiKey(Base):
    """An API key: whose it is (its ``name``, written into the history), its role, its hash."""

    __tablename__ = "api_key"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r.value) for r in Role)})", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_OWNER_LENGTH))
    role: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ServiceSecret(Base):
    """A secret the service generated for itself (e.g. the key that signs cursors), shared by
    every process on the same database."""

    __tablename__ = "service_secret"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
