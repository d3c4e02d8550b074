"""Opaque, signed cursors for paginated lists.

A cursor is its fields as JSON, base64url-encoded, and an HMAC-SHA256 of them (truncated to 128
bits) under the service's cursor key: ``ALINEA_CURSOR_SECRET``, or a key generated once and
stored in the database so that every process of the service shares it. A cursor the service did
not issue (edited, forged, or from another deployment) is a 422 problem, so what it holds can be
trusted: ids and offsets in it were written by the service.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any

from app.errors import InvalidCursor

MAX_CURSOR_LENGTH = 400
# The key until the service configures its own (a command-line process, a bare test app).
_secret = secrets.token_bytes(32)


def configure_cursors(secret: str | bytes) -> None:
    """Sign and check cursors with ``secret`` from now on (the service does it at start-up)."""
    global _secret
    _secret = secret.encode() if isinstance(secret, str) else secret


def query_signature(*parts: object) -> str:
    """A short fingerprint of the query a cursor belongs to: it cannot be replayed on another."""
    raw = json.dumps([str(p) for p in parts], ensure_ascii=False).encode()
    return hashlib.blake2s(raw, digest_size=6).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _mac(payload: str) -> str:
    return _b64(hmac.new(_secret, payload.encode(), hashlib.sha256).digest()[:16])


def encode_cursor(**fields: Any) -> str:
    payload = _b64(json.dumps(fields, separators=(",", ":")).encode())
    return f"{payload}.{_mac(payload)}"


def _invalid() -> InvalidCursor:
    return InvalidCursor("the cursor is not one this service issued")


def decode_cursor(cursor: str | None, signature: str | None = None) -> dict[str, Any]:
    if not cursor:
        return {}
    payload, _, mac = cursor.partition(".")
    if len(cursor) > MAX_CURSOR_LENGTH or not hmac.compare_digest(
        mac.encode("ascii", "replace"), _mac(payload).encode()
    ):
        raise _invalid()
    try:
        fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise _invalid() from exc
    if not isinstance(fields, dict):
        raise _invalid()
    if signature is not None and fields.get("s") != signature:
        raise InvalidCursor("the cursor belongs to another query; start again without it")
    return fields


def cursor_int(fields: dict[str, Any], name: str, default: int = 0) -> int:
    """An integer field of a decoded cursor (InvalidCursor if it is anything else)."""
    value = fields.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise _invalid()
    return value
