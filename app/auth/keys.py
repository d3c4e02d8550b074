"""Making, listing, revoking and checking API keys; the service's generated secrets.

A key reads ``alinea_<prefix>_<secret>``: the prefix (12 hex digits) finds its row, the secret
(43 characters, 256 random bits) is what makes it a key. Only the SHA-256 of the whole key is
stored, and a presented key's hash is compared with it in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import MAX_OWNER_LENGTH, ApiKey, Role, ServiceSecret

KEY_RE = re.compile(r"^alinea_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")
_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f-\x9f]+$")


class KeyProblem(ValueError):
    """A key that cannot be made or revoked as asked."""


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """Who presented a valid key: the key's id, its owner's name and its role."""

    key_id: int
    name: str
    role: Role


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise KeyProblem("the key's name must not be empty")
    if len(name) > MAX_OWNER_LENGTH or not _NAME_RE.match(name):
        raise KeyProblem(
            f"the key's name must be at most {MAX_OWNER_LENGTH} characters, without control "
            "characters"
        )
    return name


def create_key(session: Session, *, name: str, role: Role) -> tuple[ApiKey, str]:
    """A new key for ``name`` with ``role``: its row, and the key itself (shown only now)."""
    name = check_name(name)
    prefix = secrets.token_hex(6)
    token = f"alinea_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        role=role.value,
        prefix=prefix,
        key_hash=hash_key(token),
        created_at=datetime.now(UTC),
    )
    session.add(key)
    session.flush()
    return key, token


def list_keys(session: Session, *, include_revoked: bool = False) -> list[ApiKey]:
    statement = select(ApiKey).order_by(ApiKey.id)
    if not include_revoked:
        statement = statement.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(statement))


def revoke_key(session: Session, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise KeyProblem(f"there is no key {key_id}")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
    return key


def verify_key(session: Session, token: str) -> KeyOwner | None:
    """The owner of ``token`` if it is a valid, unrevoked key; None otherwise."""
    match = KEY_RE.match(token)
    if match is None:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == match["prefix"])).first()
    if key is None or key.revoked_at is not None:
        # Hash anyway, so an unknown prefix takes as long as a wrong secret.
        hmac.compare_digest(hash_key(token), "0" * 64)
        return None
    if not hmac.compare_digest(hash_key(token), key.key_hash):
        return None
    return KeyOwner(key.id, key.name, Role(key.role))


def service_secret(session: Session, name: str) -> str:
    """The secret called ``name``, generated and stored on first use (the first process to get
    there wins; the others read what it wrote)."""
    found = session.get(ServiceSecret, name)
    if found is not None:
        return found.value
    try:
        with session.begin_nested():
            session.add(ServiceSecret(name=name, value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass
    found = session.get(ServiceSecret, name, populate_existing=True)
    assert found is not None
    return found.value
