"""RFC 9457 problem details: every error the service answers is ``application/problem+json``.

Each problem type is declared once, in :data:`PROBLEM_TYPES`: its ``type`` URI, status, title,
what it means, and the exception classes that raise it (the application's, :mod:`app.errors`,
the termbase's, :mod:`termbase.errors`, and the few of the libraries the service answers for).
Domain code raises those exceptions and knows nothing of HTTP; the handlers installed here turn
them into problem documents, and :func:`problem_responses` declares them on routes for OpenAPI.
The README's table of problem types is this list (a test compares them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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

from app import errors
from termbase import errors as termbase_errors

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://alinea.example/problems/"

log = logging.getLogger("alinea")


class ProblemDetail(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(
        default="about:blank",
        description="URI identifying the problem type (the README lists them all).",
    )
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For validation problems: each invalid field and why."
    )


def _retry_after(seconds: int) -> Callable[[Any], dict[str, str]]:
    return lambda _exc: {"Retry-After": str(seconds)}


@dataclass(frozen=True, slots=True)
class ProblemType:
    """One kind of problem: how an error of the classes in ``raised_by`` is answered."""

    slug: str
    status: int
    title: str
    meaning: str
    raised_by: tuple[type[BaseException], ...] = ()
    # Another status some errors of the type get (``status_of`` picks), for OpenAPI and the README.
    other_status: int | None = None
    status_of: Callable[[Any], int] | None = None
    headers: Callable[[Any], dict[str, str]] | None = None
    extensions: Callable[[Any], dict[str, Any]] | None = None
    errors: Callable[[Any], list[dict[str, Any]] | None] | None = field(default=None)

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.status,) if self.other_status is None else (self.status, self.other_status)


_REALM = 'Bearer realm="alinea"'

PROBLEM_TYPES: tuple[ProblemType, ...] = (
    ProblemType(
        "validation-error", 422, "Invalid request",
        "a parameter or the body breaks a rule (each error in `errors`), or the path or query "
        "holds a control character",
        (RequestValidationError, errors.InvalidRequest, termbase_errors.InvalidConcept),
        errors=lambda exc: getattr(exc, "errors", None),
    ),
    ProblemType(
        "invalid-collection", 422, "Invalid collection",
        "a collection that does not exist or cannot be made so (a name taken or malformed, a "
        "vocabulary ranked above the UN seed, a priority or reliability out of bounds)",
        (termbase_errors.InvalidCollection,),
    ),
    ProblemType(
        "invalid-query", 422, "Invalid query",
        "a query that cannot be answered as asked (no letters or digits to look up, nothing "
        "to search)",
        (termbase_errors.InvalidQuery,),
    ),
    ProblemType(
        "query-too-long", 422, "Query too long",
        "`q` is over `ALINEA_MAX_QUERY_CHARS` characters",
        (errors.QueryTooLong,),
    ),
    ProblemType(
        "invalid-cursor", 422, "Invalid cursor",
        "a `cursor` the service did not issue, or issued for another query",
        (errors.InvalidCursor,),
    ),
    ProblemType(
        "invalid-value", 422, "Invalid request",
        "a value the database refuses to store (out of its range, a character it cannot hold)",
        (DataError,),
    ),
    ProblemType(
        "bad-form", 422, "Bad form",
        "a multipart form that cannot be read",
        (errors.BadForm,),
    ),
    ProblemType(
        "empty-file", 422, "Empty file",
        "an import without a file (an empty body, or a form without the part `file`)",
        (errors.EmptyFile,),
    ),
    ProblemType(
        "invalid-text", 422, "Invalid text",
        "bytes that are not text the service reads (UTF-32, UTF-16 without a BOM, a lone "
        "surrogate)",
        (errors.InvalidText,),
    ),
    ProblemType(
        "cannot-align", 422, "Cannot align",
        "input the aligner cannot align (an empty side, binary data, no sentence boundaries)",
        (errors.CannotAlign,),
    ),
    ProblemType(
        "invalid-upload", 422, "Invalid upload",
        "job files that do not make document pairs, an unreadable or unsafe zip, a bad "
        "document name",
        (errors.InvalidUpload,),
    ),
    ProblemType(
        "empty-document", 422, "Invalid upload",
        "a job document with nothing to align",
        (errors.EmptyDocument,),
    ),
    ProblemType(
        "import-refused", 422, "Import refused",
        "a termbase import with errors (each in `errors`, the whole report in `report`): "
        "nothing was written; 413 when the file is over `ALINEA_MAX_IMPORT_BYTES`",
        (errors.ImportNotAccepted,),
        other_status=413,
        status_of=lambda exc: 413 if exc.too_large else 422,
        errors=lambda exc: [error.model_dump() for error in exc.report.errors],
        extensions=lambda exc: {"report": exc.report.model_dump(mode="json")},
    ),
    ProblemType(
        "unauthorized", 401, "Unauthorized",
        "no API key where one is needed, or a key unknown, revoked or malformed "
        "(`WWW-Authenticate: Bearer`)",
        (errors.Unauthorized,),
        headers=lambda exc: {
            "WWW-Authenticate": _REALM + (', error="invalid_token"' if exc.invalid_token else "")
        },
    ),
    ProblemType(
        "forbidden", 403, "Forbidden",
        "the key's role does not allow the operation, or the job is not the key's",
        (errors.Forbidden,),
        headers=lambda _exc: {"WWW-Authenticate": _REALM + ', error="insufficient_scope"'},
    ),
    ProblemType(
        "concept-not-found", 404, "Concept not found",
        "no concept has this id",
        (termbase_errors.ConceptNotFound,),
    ),
    ProblemType(
        "collection-not-found", 404, "Collection not found",
        "no collection has this name",
        (termbase_errors.CollectionNotFound,),
    ),
    ProblemType(
        "candidate-not-found", 404, "Candidate not found",
        "no term candidate has this id",
        (termbase_errors.CandidateNotFound,),
    ),
    ProblemType(
        "term-not-found", 404, "Term not found",
        "the concept has no term with this id",
        (termbase_errors.TermNotFound,),
    ),
    ProblemType(
        "revision-not-found", 404, "Revision not found",
        "the concept has no such revision (or it cannot be restored)",
        (termbase_errors.RevisionNotFound,),
    ),
    ProblemType(
        "job-not-found", 404, "Job not found",
        "no job has this id",
        (errors.JobNotFound,),
    ),
    ProblemType(
        "request-timeout", 408, "Request Timeout",
        "the request's headers did not arrive within `ALINEA_HEADER_TIMEOUT`",
        (errors.RequestTimeout,),
    ),
    ProblemType(
        "change-refused", 409, "Change refused",
        "a change the termbase's state does not allow (removing a concept's last term)",
        (termbase_errors.ChangeRefused,),
    ),
    ProblemType(
        "possible-duplicate", 409, "Possible duplicate",
        "with `on_duplicate=refuse`: another concept has the same main term (listed in "
        "`possible_duplicates`)",
        (termbase_errors.PossibleDuplicates,),
        extensions=lambda exc: {
            "possible_duplicates": [d.model_dump(mode="json") for d in exc.duplicates]
        },
    ),
    ProblemType(
        "job-finished", 409, "Job finished",
        "cancelling a job that has finished",
        (errors.JobFinished,),
    ),
    ProblemType(
        "job-not-finished", 409, "Job not finished",
        "the results of a job still queued or running, without `partial=true`",
        (errors.JobNotFinished,),
    ),
    ProblemType(
        "concept-changed", 412, "Concept changed",
        "`If-Match` (or `revision`) names a revision the concept is no longer at (its current "
        "one in `revision`)",
        (termbase_errors.ConceptChanged,),
        extensions=lambda exc: {"revision": exc.revision},
    ),
    ProblemType(
        "request-too-large", 413, "Content Too Large",
        "the request body is over its limit (`ALINEA_MAX_REQUEST_BYTES` or the route's own)",
        (errors.RequestTooLarge,),
    ),
    ProblemType(
        "text-too-long", 413, "Content Too Large",
        "a text over its limit (`ALINEA_MAX_ALIGN_BYTES` a side, `ALINEA_MAX_RECOGNIZE_CHARS`)",
        (errors.TextTooLong,),
    ),
    ProblemType(
        "too-many-sentences", 413, "Content Too Large",
        "a side with more than `ALINEA_MAX_ALIGN_SENTENCES` sentences",
        (errors.TooManySentences,),
    ),
    ProblemType(
        "job-too-large", 413, "Job too large",
        "a job with more aligned beads than term extraction or QA reads at once",
        (errors.JobTooLarge,),
    ),
    ProblemType(
        "too-many-documents", 413, "Too many documents",
        "a job with more than `ALINEA_JOB_MAX_ITEMS` document pairs",
        (errors.TooManyDocuments,),
    ),
    ProblemType(
        "document-too-large", 413, "Content Too Large",
        "a job document over `ALINEA_JOB_MAX_DOCUMENT_BYTES`, or an upload unpacking past "
        "`ALINEA_JOB_MAX_UPLOAD_BYTES`",
        (errors.DocumentTooLarge,),
    ),
    ProblemType(
        "unsupported-media-type", 415, "Unsupported Media Type",
        "a body of a type the operation does not take, or a write sent as a form or text "
        "without an `Authorization` header",
        (errors.UnsupportedMediaType,),
    ),
    ProblemType(
        "precondition-required", 428, "Precondition required",
        "with `ALINEA_REQUIRE_IF_MATCH`: a write to a concept without `If-Match`",
        (errors.PreconditionRequired,),
    ),
    ProblemType(
        "rate-limited", 429, "Too Many Requests",
        "over a rate limit (`ALINEA_RATE_LIMIT`, `ALINEA_RATE_LIMIT_HEAVY`): see `Retry-After`",
        (errors.RateLimited,),
        headers=lambda exc: {"Retry-After": str(exc.retry_after)},
    ),
    ProblemType(
        "internal-error", 500, "Internal Server Error",
        "a bug: the error is logged (never expected; report it)",
    ),
    ProblemType(
        "service-busy", 503, "Service Unavailable",
        "no database connection or stream slot came free in time: see `Retry-After`",
        (errors.ServiceBusy, PoolTimeout),
        headers=_retry_after(errors.ServiceBusy.retry_after),
    ),
    ProblemType(
        "database-unavailable", 503, "Service Unavailable",
        "the database cannot be reached: see `Retry-After`",
        headers=_retry_after(5),
    ),
)  # fmt: skip

BY_SLUG = {problem.slug: problem for problem in PROBLEM_TYPES}
_BY_CLASS = {cls: problem for problem in PROBLEM_TYPES for cls in problem.raised_by}
# What each library error the service answers for says (the application's say it themselves).
_DETAILS: dict[type[BaseException], str] = {
    PoolTimeout: "the service is busy: no database connection came free in time; try again shortly",
    DataError: "a value of the request cannot be stored (out of range, or a character the "
    "database refuses)",
}


def problem_type(error: type[BaseException] | BaseException) -> ProblemType:
    """The problem type an error (or an error class) is answered with."""
    cls = error if isinstance(error, type) else type(error)
    for base in cls.__mro__:
        if base in _BY_CLASS:
            return _BY_CLASS[base]
    return BY_SLUG["internal-error"]


@dataclass(slots=True)
class _Answer:
    status: int
    type: str
    title: str
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None
    headers: dict[str, str] | None = None
    extensions: dict[str, Any] | None = None


def _answer(exc: BaseException, kind: ProblemType | None = None) -> _Answer:
    kind = kind or problem_type(exc)
    return _Answer(
        status=kind.status_of(exc) if kind.status_of else kind.status,
        type=kind.uri,
        title=kind.title,
        detail=_DETAILS.get(type(exc)) or str(exc) or None,
        errors=kind.errors(exc) if kind.errors else None,
        headers=kind.headers(exc) if kind.headers else None,
        extensions=kind.extensions(exc) if kind.extensions else None,
    )


def problem_document(exc: BaseException, instance: str | None = None) -> dict[str, Any]:
    """The problem document answering ``exc`` (for the guards that answer before any route)."""
    return _document(_answer(exc), instance)


def _document(answer: _Answer, instance: str | None) -> dict[str, Any]:
    body = ProblemDetail(
        type=answer.type,
        title=answer.title,
        status=answer.status,
        detail=answer.detail,
        instance=instance,
        errors=answer.errors,
    ).model_dump(exclude_none=True)
    for name, value in (answer.extensions or {}).items():
        body.setdefault(name, value)
    return body


def _respond(request: Request, answer: _Answer) -> JSONResponse:
    return JSONResponse(
        _document(answer, request.url.path),
        status_code=answer.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=answer.headers,
    )


def problem_response(request: Request, exc: BaseException) -> JSONResponse:
    """The response answering ``exc`` (one of the classes of :data:`PROBLEM_TYPES`)."""
    return _respond(request, _answer(exc))


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
    """Answer every error with its problem document: the classes of :data:`PROBLEM_TYPES`, the
    framework's HTTP errors (``about:blank``), and anything else as a logged 500."""

    async def _known(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(request, exc)

    for cls in _BY_CLASS:
        if issubclass(cls, Exception) and cls not in (
            RequestValidationError,
            PoolTimeout,
            DataError,
        ):
            app.add_exception_handler(cls, _known)

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
        return _respond(
            request,
            _Answer(
                exc.status_code,
                "about:blank",
                HTTPStatus(exc.status_code).phrase,
                detail,
                headers=headers or None,
            ),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc.errors())
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", []))
        answer = _answer(exc)
        answer.detail = f"{where}: {first.get('msg')}" if first else "the request is not valid"
        answer.errors = errors
        return _respond(request, answer)

    @app.exception_handler(PoolTimeout)
    async def _no_connection(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.error("no database connection free on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(request, exc)

    @app.exception_handler(DataError)
    async def _data_refused(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (a number out of its range, a character it cannot
        # store): the request's data, not an outage. Validation should have caught it first.
        log.warning("the database refused a value on %s %s: %s", request.method,
                    request.url.path, exc.orig)  # fmt: skip
        return problem_response(request, exc)

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> JSONResponse:
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        answer = _answer(exc, BY_SLUG["database-unavailable"])
        answer.detail = "the database is unavailable; try again shortly"
        return _respond(request, answer)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        answer = _answer(exc, BY_SLUG["internal-error"])
        answer.detail = "an unexpected error occurred; it has been logged"
        return _respond(request, answer)


def _openapi_response(status: int, kinds: list[ProblemType]) -> dict[str, Any]:
    listed = "; ".join(f"`{kind.slug}`: {kind.meaning}" for kind in kinds)
    return {
        "description": f"{HTTPStatus(status).phrase}. {listed}",
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/ProblemDetail"},
                        {"properties": {"type": {"enum": [kind.uri for kind in kinds]}}},
                    ]
                },
            }
        },
    }


def declared_types(response: dict[str, Any]) -> list[str]:
    """The ``type`` URIs an OpenAPI response made by :func:`problem_responses` declares."""
    schema = response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {}).get("schema", {})
    for part in schema.get("allOf", ()):
        enum = part.get("properties", {}).get("type", {}).get("enum")
        if enum is not None:
            return list(enum)
    return []


def problem_responses(*raised: type[BaseException] | str) -> dict[int | str, dict[str, Any]]:
    """The problem responses a route declares for OpenAPI, from the errors it raises (or the
    slugs of problem types): by status, with their ``type`` URIs and what each means."""
    by_status: dict[int, list[ProblemType]] = {}
    for item in raised:
        kind = BY_SLUG[item] if isinstance(item, str) else problem_type(item)
        for status in kind.statuses:
            if kind not in by_status.setdefault(status, []):
                by_status[status].append(kind)
    return {status: _openapi_response(status, kinds) for status, kinds in sorted(by_status.items())}


def with_problem_types(
    response: dict[str, Any] | None, status: int, slugs: Iterable[str]
) -> dict[str, Any]:
    """``response`` (declared by a route, or derived by FastAPI) as a problem response that also
    declares the problem types ``slugs``."""
    known = [BY_SLUG[uri.removeprefix(PROBLEM_BASE)] for uri in declared_types(response or {})]
    kinds = known + [BY_SLUG[slug] for slug in slugs if BY_SLUG[slug] not in known]
    return _openapi_response(status, kinds)
