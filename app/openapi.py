"""What the OpenAPI document adds to what FastAPI derives from the routes: the problems that the
service's guards answer for every route (they run before any route, so FastAPI cannot see them),
and the limits that depend on the settings."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from app.problems import PROBLEM_MEDIA_TYPE, ProblemDetail, declared_types, with_problem_types
from app.settings import Settings

_REF = "#/components/schemas/{model}"
# The problem types every operation can answer, whatever the route (the guards, the framework).
_EVERYWHERE = {422: ("validation-error",)}
_API = {429: ("rate-limited",), 503: ("database-unavailable", "service-busy")}
_WITH_BODY = {413: ("request-too-large",)}
_API_POST = {415: ("unsupported-media-type",)}
# Not a typed problem: the framework's own 400 (about:blank).
_BAD_BODY = {
    "description": "Bad Request. The body cannot be parsed (not UTF-8 JSON, a malformed form "
    "upload).",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _REF.format(model="ProblemDetail")}}},
}


def complete(openapi: dict[str, Any], settings: Settings) -> dict[str, Any]:
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ProblemDetail", ProblemDetail.model_json_schema(ref_template=_REF))
    for path, operations in openapi.get("paths", {}).items():
        api = path.startswith("/v1/")
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            generic: dict[int, tuple[str, ...]] = dict(_EVERYWHERE)
            if api:
                generic.update(_API)
            if method in ("post", "put", "patch"):
                generic.update(_WITH_BODY)
                responses.setdefault("400", _BAD_BODY)
            if method == "post" and api:
                generic.update(_API_POST)
            for status, slugs in generic.items():
                responses[str(status)] = with_problem_types(
                    responses.get(str(status)), status, slugs
                )
            for status, response in list(responses.items()):
                # Every error is a problem document (FastAPI's own 422 says application/json).
                if (
                    status.isdigit()
                    and int(status) >= 400
                    and path != "/readyz"
                    and not declared_types(response)
                    and response is not _BAD_BODY
                ):
                    responses[status] = {
                        "description": response.get("description")
                        or HTTPStatus(int(status)).phrase,
                        "content": _BAD_BODY["content"],
                    }
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
