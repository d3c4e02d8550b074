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
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from termbase.errors import (
    ChangeRefused,
    ConceptChanged,
    ConceptNotFound,
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
        return problem_response(
            request, Problem(exc.status_code, detail, headers=getattr(exc, "headers", None))
        )

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

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> JSONResponse:
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
