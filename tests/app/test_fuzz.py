"""Property-based fuzzing of every operation of the OpenAPI document (schemathesis).

For each role (no key, reader, terminologist, admin) on SQLite, and as admin (who reaches every
write) on PostgreSQL too, every operation gets valid and invalid requests generated from its
schema; the suite fails on any 5xx answer, any
status the operation does not declare, and any answer that does not match its declared schema
(content type, headers, body). The budget is fixed (``EXAMPLES`` per operation and mode) and the
generation derandomized, so a run is the same on every machine; ``ALINEA_TEST_FUZZ_EXAMPLES``
raises it for a longer hunt.

This is how issue 11's "an API fuzzer deleted all 80 seed concepts" stays a finding of the past:
the anonymous run must get 401s for every write.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.db import Database
from app.main import create_app
from app.settings import Settings

EXAMPLES = int(os.environ.get("ALINEA_TEST_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# The key is the role's, not one the fuzzer makes up (that would only ever meet 401s); NUL
# characters are fair game.
CONFIG = SchemathesisConfig.from_dict(
    {"generation": {"with-security-parameters": False, "allow-x00": True}}
)
ROLES = [None, "reader", "terminologist", "admin"]


def _fuzz(operation: Any, mode: GenerationMode, call: Callable[[Any], Any]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a fixed budget
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        call(case)

    run()


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_every_operation_survives_fuzzing(
    database: Database,
    role: str | None,
    bearer: Callable[[str], dict[str, str]],
    make_key: Callable[..., str],
) -> None:
    if database.url.startswith("postgresql") and role != "admin":
        pytest.skip("PostgreSQL is fuzzed as admin, who reaches every write; SQLite as each role")
    app = create_app(
        Settings(
            database_url=database.url,
            runner="off",
            rate_limit="off",
            rate_limit_heavy="off",
            max_align_bytes=20_000,  # hypothesis writes short texts; keep the aligner quick
        )
    )
    with TestClient(app):  # the lifespan: migrations, seed, index
        headers = bearer(make_key(database.url, role, f"fuzz-{role}")) if role else {}
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
        failures: list[str] = []
        operations = 0

        def call(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz(operation, mode, call)
                except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                    assert mode is GenerationMode.NEGATIVE, operation.label
                except (
                    Exception,
                    BaseExceptionGroup,
                ) as exc:  # collected: one run reports every operation's failures
                    failures.append(f"{operation.label} ({mode.value}): {exc}"[:3000])
        assert operations >= 19
        assert not failures, "\n\n".join(failures)
