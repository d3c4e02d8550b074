"""One exception class per problem type, mapped once (app.problems), declared per route in
OpenAPI and documented in the README's table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import errors
from app.main import create_app
from app.problems import (
    PROBLEM_BASE,
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPES,
    declared_types,
    problem_document,
    problem_type,
)
from app.settings import Settings
from termbase import errors as termbase_errors

ROOT = Path(__file__).resolve().parents[2]


def test_each_error_class_has_one_problem_type_and_each_type_one_slug() -> None:
    slugs = [kind.slug for kind in PROBLEM_TYPES]
    assert len(slugs) == len(set(slugs))
    raised_by = [cls for kind in PROBLEM_TYPES for cls in kind.raised_by]
    assert len(raised_by) == len(set(raised_by))
    # every error the application or the termbase raises on purpose is answered with its own
    # type (never the 500 of an unexpected error)
    bases = ((errors, errors.AlineaError), (termbase_errors, termbase_errors.TermbaseError))
    for module, base in bases:
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, base) and cls is not base:
                assert problem_type(cls).slug != "internal-error", cls


def test_every_error_mapped_is_raised_somewhere() -> None:
    """No problem type (and no handler) for an error the code never raises."""
    sources = [
        path.read_text(encoding="utf-8")
        for package in ("app", "termbase")
        for path in (ROOT / package).rglob("*.py")
    ]
    for kind in PROBLEM_TYPES:
        for cls in kind.raised_by:
            if cls.__module__ not in ("app.errors", "termbase.errors"):
                continue  # the framework's and the database's own
            raised = re.compile(rf"(?<!class )\b{cls.__name__}\(")
            assert any(raised.search(source) for source in sources), cls


def test_a_domain_error_becomes_its_problem_document() -> None:
    document = problem_document(errors.QueryTooLong(600, 500), "/v1/terms")
    assert document == {
        "type": PROBLEM_BASE + "query-too-long",
        "title": "Query too long",
        "status": 422,
        "detail": "the query is 600 characters long; the limit is 500 (ALINEA_MAX_QUERY_CHARS)",
        "instance": "/v1/terms",
    }
    assert problem_document(errors.Unauthorized("no key"))["status"] == 401


def test_the_readme_lists_every_problem_type() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \| ([0-9, ]+) \| (.+) \|$", readme, re.MULTILINE)
    documented = {slug: (status, meaning) for slug, status, meaning in rows}
    declared = {
        kind.slug: (", ".join(str(s) for s in sorted(kind.statuses)), kind.meaning)
        for kind in PROBLEM_TYPES
    }
    assert documented == declared


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "module", ["app/errors.py", "termbase/errors.py", "app/jobs/intake.py", "app/pagination.py"]
)
def test_domain_code_raises_errors_without_http_knowledge(module: str) -> None:
    imported = _imports(ROOT / module)
    assert not {
        name
        for name in imported
        if name.split(".")[0] in ("fastapi", "starlette") or name == "app.problems"
    }


@pytest.fixture(scope="module")
def openapi() -> dict:
    return create_app(Settings(database_url="sqlite://")).openapi()


def test_every_error_response_in_openapi_declares_its_problem_types(openapi: dict) -> None:
    known = {kind.uri for kind in PROBLEM_TYPES}
    for path, operations in openapi["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) < 400 or status == "400":  # 400: the framework's about:blank
                    continue
                types = declared_types(response)
                assert types, (method, path, status)
                assert set(types) <= known, (method, path, status)
                statuses = {kind.uri: kind.statuses for kind in PROBLEM_TYPES if kind.uri in types}
                assert all(int(status) in s for s in statuses.values()), (method, path, status)
                assert "ProblemDetail" in str(response["content"][PROBLEM_MEDIA_TYPE]["schema"])


def test_routes_declare_the_problems_they_raise(openapi: dict) -> None:
    def types(path: str, method: str, status: str) -> set[str]:
        response = openapi["paths"][path][method]["responses"][status]
        return {uri.removeprefix(PROBLEM_BASE) for uri in declared_types(response)}

    assert types("/v1/concepts/{concept_id}", "get", "404") == {"concept-not-found"}
    assert types("/v1/concepts/{concept_id}", "patch", "412") == {"concept-changed"}
    assert types("/v1/segments", "get", "422") >= {
        "query-too-long",
        "invalid-query",
        "invalid-cursor",
        "validation-error",
    }
    assert types("/v1/jobs/{job_id}", "delete", "409") == {"job-finished"}
    assert types("/v1/termbase/import", "post", "413") >= {"import-refused", "request-too-large"}
    assert types("/v1/terms", "get", "503") == {"database-unavailable", "service-busy"}


def test_a_query_too_long_is_one_problem_type_everywhere(client: TestClient) -> None:
    limit = client.app.state.settings.max_query_chars  # type: ignore[attr-defined]
    for path in ("/v1/terms", "/v1/segments"):
        response = client.get(path, params={"q": "a" * (limit + 1)})
        assert response.status_code == 422, response.text
        assert response.json()["type"] == PROBLEM_BASE + "query-too-long", path
