"""``alinea serve``: uvicorn with deadlines for slow clients.

uvicorn closes a keep-alive connection that stays idle between requests (``timeout_keep_alive``)
but has no deadline for the request itself: a client that sends its headers one byte every two
seconds, or starts a body and stops, or never reads the response, keeps its connection (and its
task, and whatever the request holds) for ever (measured: 50 such clients, every socket still open
after 40 s). :class:`GuardedHttpToolsProtocol` adds the deadlines that servers such as nginx have
(``client_header_timeout``, ``client_body_timeout``, ``send_timeout``):

- the headers of a request must have arrived ``ALINEA_HEADER_TIMEOUT`` seconds (10) after its
  first byte, or after the connection opened: else the answer is a 408 problem and the
  connection is closed;
- while a body comes in, the client may stay silent at most ``ALINEA_IDLE_TIMEOUT`` seconds (30)
  between two reads; while a response goes out, the client must take some of it every
  ``ALINEA_IDLE_TIMEOUT`` seconds: else the connection is dropped.

A proxy in front (nginx, a load balancer) usually enforces the same, and TLS; see the README.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import RequestTimeout
from app.problems import PROBLEM_MEDIA_TYPE, problem_document
from app.settings import get_settings


def _request_timeout_response() -> bytes:
    body = json.dumps(
        problem_document(RequestTimeout("the request's headers did not arrive in time"))
    ).encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\n"
        f"content-type: {PROBLEM_MEDIA_TYPE}\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header, body and send deadlines."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.header_timeout = settings.header_timeout
        self.idle_timeout = settings.idle_timeout
        self._request_deadline: asyncio.TimerHandle | None = None
        self._send_deadline: asyncio.TimerHandle | None = None
        self._in_headers = False
        self._in_body = False

    # -- deadlines ------------------------------------------------------------------------------

    def _arm(self, seconds: float, phase: str) -> None:
        self._disarm()
        self._request_deadline = self.loop.call_later(seconds, self._expired, phase)

    def _disarm(self) -> None:
        if self._request_deadline is not None:
            self._request_deadline.cancel()
            self._request_deadline = None

    def _expired(self, phase: str) -> None:
        self._request_deadline = None
        if self.transport.is_closing():
            return
        idle = self.cycle is None or self.cycle.response_complete
        if phase == "headers" and idle:
            self.transport.write(_request_timeout_response())
            self.transport.close()
        else:  # a body that stopped coming: nobody is there to read an answer
            self.transport.abort()

    def _send_expired(self) -> None:
        self._send_deadline = None
        if not self.transport.is_closing():
            self.transport.abort()  # close() would wait for the buffer to drain: it never will

    # -- uvicorn's hooks --------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._in_headers = True
        self._arm(self.header_timeout, "headers")

    def data_received(self, data: bytes) -> None:
        if self._in_body:
            self._arm(self.idle_timeout, "body")
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_headers:  # a new request on a kept-alive connection
            self._in_headers = True
            self._arm(self.header_timeout, "headers")

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._disarm()
        self._in_body = True
        self._arm(self.idle_timeout, "body")
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_body = False
        self._disarm()
        super().on_message_complete()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_deadline is None:
            self._send_deadline = self.loop.call_later(self.idle_timeout, self._send_expired)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_deadline is not None:
            self._send_deadline.cancel()
            self._send_deadline = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._send_deadline is not None:
            self._send_deadline.cancel()
            self._send_deadline = None
        super().connection_lost(exc)


PROTOCOL = f"{__name__}:{GuardedHttpToolsProtocol.__name__}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(host: str, port: int, workers: int, log_level: str) -> None:
    import uvicorn

    uvicorn.run(
        "app.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        http=PROTOCOL,
        ws="none",
    )
