"""Opaque cursors for paginated lists."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from app.problems import Problem


def query_signature(*parts: object) -> str:
    """A short fingerprint of the query a cursor belongs to: it cannot be replayed on another."""
    raw = json.dumps([str(p) for p in parts], ensure_ascii=False).encode()
    return hashlib.blake2s(raw, digest_size=6).hexdigest()


def encode_cursor(**fields: Any) -> str:
    raw = json.dumps(fields, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, signature: str | None = None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        fields = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(fields, dict):
            raise ValueError("not an object")
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Problem(
            422, "the cursor is not one this service issued", kind="invalid-cursor"
        ) from exc
    if signature is not None and fields.get("s") != signature:
        raise Problem(
            422,
            "the cursor belongs to another query; start again without it",
            kind="invalid-cursor",
        )
    return fields
