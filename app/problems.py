"""RFC 9457 problem details: every error the service answers is ``application/problem+json``.

Typed exceptions are mapped here, once; routes raise and never build error responses themselves.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from termbase.errors import (
    CandidateNotFound,
    ChangeRefused,
    CollectionNotFound,
    ConceptChanged,
    ConceptNotFound,
    InvalidCollection,
    InvalidConcept,
    InvalidQuery,
    PossibleDuplicates,
    RevisionNotFound,
    TermNotFound,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://alinea.example/problems/"

log = logging.getLogger("alinea")


class ProblemDetail(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(default="about:blank", description="URI identifying the problem type.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For validation problems: each invalid field and why."
    )


class Problem(Exception):
    """An error to answer as a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        kind: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title or HTTPStatus(status).phrase)
        self.status = status
        self.detail = detail
        self.type = PROBLEM_BASE + kind if kind else "about:blank"
        self.title = title or HTTPStatus(status).phrase
        self.errors = errors
        self.headers = headers
        # RFC 9457 extension members, e.g. the report of a refused import
        self.extensions = extensions


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    body = ProblemDetail(
        type=problem.type,
        title=problem.title,
        status=problem.status,
        detail=problem.detail,
        instance=request.url.path,
        errors=problem.errors,
    ).model_dump(exclude_none=True)
    for name, value in (problem.extensions or {}).items():
        body.setdefault(name, value)
    return JSONResponse(
        body, status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers
    )


# SQLite result codes that mean the database cannot be used right now, not that a statement is
# wrong: busy or locked by another writer, cannot open the file, I/O error, disk full, no memory.
_SQLITE_UNAVAILABLE = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_NOMEM",
    "SQLITE_PROTOCOL",
)
# PostgreSQL SQLSTATE classes of the same kind: connection exception (08), insufficient
# resources (53), operator intervention (57: shutdown, cannot connect now, statement timeout),
# transaction rollback (40: serialization failure, deadlock: try again).
_POSTGRES_UNAVAILABLE = ("08", "53", "57", "40")


def database_unavailable(exc: OperationalError) -> bool:
    """Whether ``exc`` says the database cannot be reached or is too busy (worth a retry), as
    opposed to a statement it refused (a bug, not an outage)."""
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    name = getattr(orig, "sqlite_errorname", None)
    if name is not None:
        return str(name).startswith(_SQLITE_UNAVAILABLE)
    if type(orig).__module__.startswith("psycopg"):
        sqlstate = getattr(orig, "sqlstate", None)
        # No SQLSTATE: the client library failed to connect or lost the connection.
        return sqlstate is None or str(sqlstate)[:2] in _POSTGRES_UNAVAILABLE
    return False


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this path (for a 405's ``Allow``): the
    method of the request is swapped for each in turn and the router asked for a full match."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return sorted(allowed)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _validation_errors(errors: Any) -> list[dict[str, Any]]:
    cleaned = []
    for error in errors:
        item = {
            "loc": list(error.get("loc", ())),
            "msg": error.get("msg"),
            "type": error.get("type"),
        }
        cleaned.append(item)
    return cleaned


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail: str | None = exc.detail if isinstance(exc.detail, str) else None
        if detail == HTTPStatus(exc.status_code).phrase:
            detail = None
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            detail = (
                detail or f"{request.method} is not allowed here; allowed: {', '.join(allowed)}"
            )
        return problem_response(request, Problem(exc.status_code, detail, headers=headers or None))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc.errors())
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", []))
        return problem_response(
            request,
            Problem(
                422,
                f"{where}: {first.get('msg')}" if first else "the request is not valid",
                kind="validation-error",
                title="Invalid request",
                errors=errors,
            ),
        )

    @app.exception_handler(ConceptNotFound)
    async def _not_found(request: Request, exc: ConceptNotFound) -> JSONResponse:
        return problem_response(
            request, Problem(404, str(exc), kind="concept-not-found", title="Concept not found")
        )

    @app.exception_handler(CollectionNotFound)
    async def _no_collection(request: Request, exc: CollectionNotFound) -> JSONResponse:
        return problem_response(
            request,
            Problem(422, str(exc), kind="unknown-collection", title="Unknown collection"),
        )

    @app.exception_handler(InvalidCollection)
    async def _invalid_collection(request: Request, exc: InvalidCollection) -> JSONResponse:
        return problem_response(
            request,
            Problem(422, str(exc), kind="invalid-collection", title="Invalid collection"),
        )

    @app.exception_handler(CandidateNotFound)
    async def _no_candidate(request: Request, exc: CandidateNotFound) -> JSONResponse:
        return problem_response(
            request,
            Problem(404, str(exc), kind="candidate-not-found", title="Candidate not found"),
        )

    @app.exception_handler(ConceptChanged)
    async def _changed(request: Request, exc: ConceptChanged) -> JSONResponse:
        return problem_response(
            request,
            Problem(
                412,
                str(exc),
                kind="concept-changed",
                title="Concept changed",
                extensions={"revision": exc.revision},
            ),
        )

    @app.exception_handler(TermNotFound)
    async def _term_not_found(request: Request, exc: TermNotFound) -> JSONResponse:
        return problem_response(
            request, Problem(404, str(exc), kind="term-not-found", title="Term not found")
        )

    @app.exception_handler(RevisionNotFound)
    async def _revision_not_found(request: Request, exc: RevisionNotFound) -> JSONResponse:
        return problem_response(
            request, Problem(404, str(exc), kind="revision-not-found", title="Revision not found")
        )

    @app.exception_handler(ChangeRefused)
    async def _refused(request: Request, exc: ChangeRefused) -> JSONResponse:
        return problem_response(
            request, Problem(409, str(exc), kind="change-refused", title="Change refused")
        )

    @app.exception_handler(PossibleDuplicates)
    async def _duplicates(request: Request, exc: PossibleDuplicates) -> JSONResponse:
        return problem_response(
            request,
            Problem(
                409,
                str(exc),
                kind="possible-duplicate",
                title="Possible duplicate",
                extensions={
                    "possible_duplicates": [d.model_dump(mode="json") for d in exc.duplicates]
                },
            ),
        )

    @app.exception_handler(InvalidConcept)
    async def _invalid_concept(request: Request, exc: InvalidConcept) -> JSONResponse:
        return problem_response(
            request,
            Problem(
                422, str(exc), kind="validation-error", title="Invalid request", errors=exc.errors
            ),
        )

    @app.exception_handler(InvalidQuery)
    async def _invalid_query(request: Request, exc: InvalidQuery) -> JSONResponse:
        return problem_response(
            request, Problem(422, str(exc), kind="invalid-query", title="Invalid query")
        )

    @app.exception_handler(PoolTimeout)
    async def _no_connection(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.error("no database connection free on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(
            request,
            Problem(
                503,
                "the service is busy: no database connection came free in time; try again shortly",
                kind="service-busy",
                headers={"Retry-After": "5"},
            ),
        )

    @app.exception_handler(DataError)
    async def _data_refused(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (a number out of its range, a character it cannot
        # store): the request's data, not an outage. Validation should have caught it first.
        log.warning("the database refused a value on %s %s: %s", request.method,
                    request.url.path, exc.orig)  # fmt: skip
        return problem_response(
            request,
            Problem(
                422,
                "a value of the request cannot be stored (out of range, or a character the "
                "database refuses)",
                kind="invalid-value",
                title="Invalid request",
            ),
        )

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> JSONResponse:
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(
            request,
            Problem(
                503,
                "the database is unavailable; try again shortly",
                kind="database-unavailable",
                headers={"Retry-After": "5"},
            ),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            request,
            Problem(500, "an unexpected error occurred; it has been logged", kind="internal-error"),
        )


# Declared on routes so OpenAPI documents the problem documents they can answer.
def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "model": ProblemDetail,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }
