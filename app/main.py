"""The FastAPI application: ``create_app()`` wires settings, database, index, routes and errors."""

from __future__ import annotations

import ctypes
import json
import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.api import align, candidates, collections, concepts, health, qa, termbase, terms
from app.auth.access import Access, Authenticator, RateLimits
from app.auth.keys import service_secret
from app.auth.models import Role
from app.bootstrap import build_index, prepare_database
from app.errors import Forbidden, RateLimited, RequestTooLarge, Unauthorized
from app.guards import ControlCharacterGuard
from app.jobs import api as jobs_api
from app.openapi import complete
from app.pagination import configure_cursors
from app.problems import (
    PROBLEM_MEDIA_TYPE,
    install_problem_handlers,
    problem_document,
    problem_responses,
)
from app.settings import Settings
from app.ui import install as install_ui
from app.ui.routes import LARGE_BODY_PATHS as UI_LARGE_BODY_PATHS

log = logging.getLogger("alinea")


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids (the route function's name), so generated clients keep their names."""
    return route.name


class BodySizeLimit:
    """Refuse request bodies over ``limit`` bytes with a 413 problem, before any route runs.

    ``routes`` maps a path to its own limit, for the few routes that take large documents
    (alignment) and check their content's size themselves. ``streamed`` routes (uploads of files
    of hundreds of megabytes) are refused here only on a declared length over their limit; their
    body is not read ahead, the route counts it as it reads.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        routes: Mapping[str, int] | None = None,
        streamed: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.routes = dict(routes or {})
        self.streamed = dict(streamed or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self.streamed.get(path) or self.routes.get(path, self.limit)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > limit:
                await self._refuse(scope, send, limit)
                return
            # The server holds the body to its declared length: no need to count (or to keep a
            # copy of a large upload in memory).
            await self.app(scope, receive, send)
            return
        if path in self.streamed:
            await self.app(scope, receive, send)
            return
        # No (or a small) declared length: read the body, counting, and replay it to the app.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await self._refuse(scope, send, limit)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        body = json.dumps(
            problem_document(
                RequestTooLarge(f"the request body is over the limit of {limit} bytes"),
                scope.get("path"),
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = prepare_database(settings)
        app.state.database = database
        app.state.authenticator = Authenticator(database, settings)
        if settings.cursor_secret:
            configure_cursors(settings.cursor_secret)
        else:
            with database.session() as session:
                configure_cursors(service_secret(session, "cursor"))
        app.state.index = build_index(database)
        app.state.index_checked_at = 0.0
        log.info(
            "term index ready: %d concepts, %d terms",
            app.state.index.concept_count,
            app.state.index.term_count,
        )
        runner = None
        if settings.runner == "local":
            from app.jobs.runner import Runner

            runner = Runner(database, settings)
            runner.start()
        app.state.runner = runner
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()
            database.dispose()

    app = FastAPI(
        title="Alinea",
        version=__version__,
        summary="French/English alignment and terminology service for UN-style documents.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # served by app.ui from packaged files, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    # Streamed exports and results that may read the database at once (app.streams): half the
    # connections a process may open, so look-ups always find one.
    connections = settings.database_pool_size + settings.database_max_overflow
    app.state.stream_slots = threading.BoundedSemaphore(max(1, connections // 2))
    limits = RateLimits(settings)
    app.state.rate_limits = limits if (limits.general or limits.heavy) else None
    install_problem_handlers(app)
    app.include_router(health.router)
    # Each router with its access policy (app.auth.access): the role its writes need; reads
    # need a key only with ALINEA_AUTH=required.
    for router, write_role in (
        (terms.router, None),  # look-up and recognition change nothing
        (align.router, None),
        (qa.router, None),  # a check changes nothing
        (concepts.router, Role.TERMINOLOGIST),
        (collections.router, Role.TERMINOLOGIST),
        (candidates.router, Role.TERMINOLOGIST),
        (termbase.router, Role.TERMINOLOGIST),
        (jobs_api.router, Role.READER),  # cancelling: the job's owner or an admin (the route)
        (jobs_api.mining_router, None),  # queueing the candidates: a terminologist (the route)
    ):
        app.include_router(
            router,
            dependencies=[Depends(Access(write_role))],
            responses=problem_responses(Unauthorized, Forbidden, RateLimited),
        )
    install_ui(app)  # the web interface at /, /docs and /redoc (app.ui)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete(jobs_api.add_openapi_schemas(generate_openapi()), settings)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(
        BodySizeLimit,
        limit=settings.max_request_bytes,
        routes={
            align.ALIGN_PATH: settings.max_align_request_bytes,
            qa.QA_PATH: settings.max_align_request_bytes,
            jobs_api.JOBS_PATH: settings.job_max_upload_bytes,
            **dict.fromkeys(UI_LARGE_BODY_PATHS, settings.max_align_request_bytes),
        },
        streamed={termbase.IMPORT_PATH: settings.max_import_bytes},
    )
    app.add_middleware(ControlCharacterGuard)
    return app


def _tame_malloc() -> None:
    """Keep glibc from hoarding freed memory across worker threads.

    Fuzzy look-ups in the thread pool allocate megabyte-sized numpy arrays; glibc's default raises
    its mmap threshold after such frees and keeps the memory in per-thread arenas (measured: RSS
    454 → 604 MiB under a fuzzy load). A fixed threshold returns big blocks to the system, and
    two arenas are plenty for a service that is mostly one event loop.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD (fixed, so no longer dynamic)
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc: nothing to tame
        pass


def app_factory() -> Any:
    """Entry point for ``uvicorn --factory app.main:app_factory``."""
    _tame_malloc()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return create_app()
