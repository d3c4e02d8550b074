"""The access policy of the API: who is asking (their API key), whether they may, how often.

Every router is mounted with one :class:`Access` dependency that says what its operations need:

- a *read* (GET, and the POSTs that change nothing: recognition, alignment) needs no key under
  ``ALINEA_AUTH=writes`` (the default) and a key of any role under ``required``;
- a *write* needs a key whose role covers the router's write role: ``reader`` for jobs (a job is
  an alignment; cancelling one is further kept to its owner or an admin by the route),
  ``terminologist`` for concepts and termbase imports.

Keys travel as ``Authorization: Bearer alinea_…``. A browser sends that header cross-site only
after a CORS preflight, which this service never answers with permission, so a web page cannot
make a visitor's browser write here. The only writes a browser can send without a preflight are
POSTs whose body is ``text/plain``, a form or ``multipart/form-data`` (or has no type), and no
Authorization header: :class:`Access` refuses those with 415 whatever the mode, so even with
``ALINEA_AUTH=off`` (loopback only) a page cannot write through a visitor's browser.

Rate limits (the ``limits`` library) count per key, or per client address for requests without
one; operations that cost seconds of CPU or a whole file count against a second, lower limit.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.concurrency import run_in_threadpool

from app.auth.keys import KeyOwner, hash_key, verify_key
from app.auth.models import Role
from app.db import Database
from app.errors import Forbidden, RateLimited, Unauthorized, UnsupportedMediaType
from app.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Content types a browser sends cross-site without a preflight (the Fetch standard's
# CORS-safelisted request header values for Content-Type), and no content type at all.
CORS_SIMPLE_TYPES = frozenset(
    {"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)
# Operations that cost seconds of CPU, or a whole file, each: the heavy rate limit counts them.
HEAVY_OPERATIONS = frozenset(
    {
        ("POST", "/v1/terms/recognize"),
        ("POST", "/v1/align"),
        ("POST", "/v1/qa"),
        ("POST", "/v1/jobs/{job_id}/term-candidates"),
        ("GET", "/v1/termbase/export"),
        ("POST", "/v1/termbase/import"),
        ("POST", "/v1/jobs"),
        ("GET", "/v1/jobs/{job_id}/results"),
    }
)
# Keys checked, and found valid or not, are remembered this many at most (a flood of made-up
# keys cannot grow the cache without bound).
CACHE_ENTRIES = 10_000

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key made with `alinea keys create`, sent as `Authorization: Bearer "
    "alinea_…`. Reads need none unless ALINEA_AUTH=required.",
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a key's owner, or nobody (``role`` None: no key was sent)."""

    name: str
    role: Role | None
    key_id: int | None = None

    @property
    def anonymous(self) -> bool:
        return self.key_id is None

    def may(self, role: Role) -> bool:
        return self.role is not None and self.role.covers(role)


ANONYMOUS = Principal("anonymous", None)
# With ALINEA_AUTH=off (loopback only) whoever can connect may do anything.
LOCAL = Principal("anonymous", Role.ADMIN)


class Authenticator:
    """Checks presented keys against the key table, remembering each answer for a few seconds
    so a look-up with a key costs no database round trip."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.ttl = settings.auth_cache_seconds
        self._cache: dict[str, tuple[float, KeyOwner | None]] = {}
        self._lock = threading.Lock()

    def _check(self, token: str) -> KeyOwner | None:
        with self.database.sessionmaker() as session:
            return verify_key(session, token)

    async def owner(self, token: str) -> KeyOwner | None:
        digest = hash_key(token)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        owner = await run_in_threadpool(self._check, token)
        if self.ttl > 0:
            with self._lock:
                if len(self._cache) >= CACHE_ENTRIES:
                    self._cache.clear()
                self._cache[digest] = (now + self.ttl, owner)
        return owner

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


class RateLimits:
    """The request limits per key (or client address), in the ``limits`` library's notation."""

    def __init__(self, settings: Settings) -> None:
        self.general = self._parse(settings.rate_limit)
        self.heavy = self._parse(settings.rate_limit_heavy)
        self.limiter = SlidingWindowCounterRateLimiter(
            storage_from_string(settings.rate_limit_storage)
        )

    @staticmethod
    def _parse(value: str) -> list[RateLimitItem]:
        value = value.strip()
        if value.lower() in ("", "off", "none"):
            return []
        return parse_many(value)

    def check(self, identity: str, *, heavy: bool) -> None:
        """Count one request of ``identity``; RateLimited if it is over a limit."""
        limits = [("all", item) for item in self.general]
        if heavy:
            limits += [("heavy", item) for item in self.heavy]
        for namespace, item in limits:
            if not self.limiter.hit(item, namespace, identity):
                stats = self.limiter.get_window_stats(item, namespace, identity)
                retry = max(1, math.ceil(stats.reset_time - time.time()))
                what = "heavy requests (recognition, alignment, import, export, jobs)"
                raise RateLimited(
                    f"too many {what if namespace == 'heavy' else 'requests'}: the limit is "
                    f"{item} per {'key' if identity.startswith('key:') else 'client address'}; "
                    f"try again in {retry} s",
                    retry_after=retry,
                )


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return True  # a Unix socket: only this machine can connect
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(request: Request) -> str:
    host = request.headers.get("host", "")
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def authenticate(request: Request) -> Principal:
    """Who sent the request (once per request): the owner of its key, or nobody.

    A key that is malformed, unknown or revoked is Unauthorized (401), whatever the operation.
    """
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization")
    if header is None:
        principal = LOCAL if settings.auth == "off" else ANONYMOUS
    else:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(
                "send the API key as `Authorization: Bearer <key>`", invalid_token=True
            )
        owner = await request.app.state.authenticator.owner(token.strip())
        if owner is None:
            raise Unauthorized(
                "the API key is not valid (unknown, revoked or mistyped)", invalid_token=True
            )
        principal = Principal(owner.name, owner.role, owner.key_id)
    request.state.principal = principal
    return principal


def check_write(request: Request, principal: Principal, role: Role) -> None:
    """What a write needs: a key (Unauthorized without one) whose role covers ``role``
    (Forbidden), and, for a POST without an Authorization header (``ALINEA_AUTH=off``), a body
    a cross-site page cannot make a browser send (UnsupportedMediaType).

    :class:`Access` applies it to the writes of a router; a route its router counts as a read
    that writes only when asked (mining a job's term candidates *and* queueing them) calls it
    itself."""
    if principal.role is None:
        raise Unauthorized(
            "this operation changes data: it needs an API key, sent as "
            "`Authorization: Bearer <key>` (`alinea keys create`)"
        )
    if not principal.may(role):
        raise Forbidden(
            f"this operation needs the role {role.value} or above; the key of "
            f"{principal.name!r} has the role {principal.role.value}"
        )
    if request.method == "POST" and "authorization" not in request.headers:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type in CORS_SIMPLE_TYPES:
            raise UnsupportedMediaType(
                f"a write sent as {media_type or 'a body without a content type'} needs an "
                "Authorization header: a web page can make a browser send such a request to "
                "any site; send JSON, or the file with its own content type "
                "(e.g. application/xml, text/csv, application/zip)"
            )


class Access:
    """A router's access policy: what its reads and writes need, and the rate limits."""

    def __init__(self, write_role: Role | None) -> None:
        # None: every operation of the router is a read (it changes nothing).
        self.write_role = write_role

    async def __call__(
        self,
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        settings: Settings = request.app.state.settings
        if settings.auth == "off":
            self._check_local(request)
        principal = await authenticate(request)
        write = self.write_role is not None and request.method not in SAFE_METHODS
        if write:
            assert self.write_role is not None
            check_write(request, principal, self.write_role)
        elif principal.role is None:
            if settings.auth == "required":
                raise Unauthorized(
                    "the service needs an API key, sent as `Authorization: Bearer <key>` "
                    "(`alinea keys create`)"
                )
            # else an open read (ALINEA_AUTH=writes)
        elif not principal.may(Role.READER):
            raise Forbidden(
                f"this operation needs the role {Role.READER.value} or above; the key of "
                f"{principal.name!r} has the role {principal.role.value if principal.role else '-'}"
            )
        limits: RateLimits | None = request.app.state.rate_limits
        if limits is not None:
            route = request.scope.get("route")
            heavy = (request.method, getattr(route, "path", "")) in HEAVY_OPERATIONS
            client = request.client.host if request.client else "local"
            identity = f"key:{principal.key_id}" if principal.key_id else f"ip:{client}"
            limits.check(identity, heavy=heavy)
        return principal

    @staticmethod
    def _check_local(request: Request) -> None:
        """ALINEA_AUTH=off serves only this machine: the connection must have come in on a
        loopback address, for a loopback host name (a page whose name was re-pointed at
        127.0.0.1, DNS rebinding, gets no further)."""
        server = request.scope.get("server")
        if not _is_loopback(server[0] if server else None) or not _is_loopback(
            _host_name(request) or None
        ):
            raise Forbidden(
                "ALINEA_AUTH=off serves only requests to a loopback address (127.0.0.1, ::1, "
                "localhost); use API keys (ALINEA_AUTH=writes) for anything else"
            )


PrincipalDep = Annotated[Principal, Depends(authenticate)]
