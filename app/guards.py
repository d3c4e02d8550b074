"""ASGI guards that refuse bad requests before any route runs."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import InvalidRequest
from app.problems import PROBLEM_MEDIA_TYPE, problem_document

_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


class ControlCharacterGuard:
    """Refuse (422) a path or query string holding a control character once percent-decoded.

    No parameter of the API has a use for one; a NUL in particular is refused by PostgreSQL
    deep down in a query, and would otherwise have to be caught route by route.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope.get("path", "").encode()
            query = scope.get("query_string", b"").replace(b"+", b" ")
            for where, raw in (("path", raw_path), ("query", query)):
                if _CONTROL.search(unquote_to_bytes(raw)):
                    await self._refuse(scope, send, where)
                    return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, where: str) -> None:
        body = json.dumps(
            problem_document(
                InvalidRequest(
                    f"the {where} holds a control character (such as NUL): none is allowed"
                ),
                scope.get("path"),
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
