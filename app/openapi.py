"""What the OpenAPI document adds to what FastAPI derives from the routes: the problems that the
service's guards answer for every route (they run before any route, so FastAPI cannot see them),
and the limits that depend on the settings."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from app.problems import PROBLEM_MEDIA_TYPE
from app.settings import Settings

_PROBLEM = {
    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}}
}
_WHY = {
    400: "The body cannot be parsed (not UTF-8 JSON, a malformed form upload).",
    413: "The body is over the size limit (ALINEA_MAX_REQUEST_BYTES, or the route's own).",
    415: "A content type this operation does not take; or a write sent as text/plain, a form or "
    "without a content type and without an Authorization header (see Security in the README).",
    422: "A parameter or the body is not valid (each error in `errors`); a control character "
    "in the path or the query.",
    429: "Over a rate limit (ALINEA_RATE_LIMIT, ALINEA_RATE_LIMIT_HEAVY): see Retry-After.",
    503: "The database cannot be reached, or no connection came free in time: see Retry-After.",
}


def _problem(status: int) -> dict[str, Any]:
    return {"description": f"{HTTPStatus(status).phrase}. {_WHY[status]}", **_PROBLEM}


def complete(openapi: dict[str, Any], settings: Settings) -> dict[str, Any]:
    for path, operations in openapi.get("paths", {}).items():
        api = path.startswith("/v1/")
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            statuses = [422]
            if api:
                statuses += [429, 503]
            if method in ("post", "put", "patch"):
                statuses += [400, 413]
            if method == "post" and api:
                statuses.append(415)
            for status in statuses:
                responses.setdefault(str(status), _problem(status))
            for status, response in responses.items():
                # Every error is a problem document (FastAPI's own 422 says application/json).
                if status.isdigit() and int(status) >= 400 and path != "/readyz":
                    response["content"] = _PROBLEM["content"]
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") == "q":
                    parameter["schema"]["maxLength"] = settings.max_query_chars
    schemas = openapi.get("components", {}).get("schemas", {})
    recognize = schemas.get("RecognizeRequest", {}).get("properties", {}).get("text")
    if recognize is not None:
        recognize["description"] = (
            f"{recognize.get('description', '')} At most {settings.max_recognize_chars:,} "
            "characters (ALINEA_MAX_RECOGNIZE_CHARS; 413 above)."
        ).strip()
    return openapi
