"""The service's and the command line's format lists are the registries' (app.formats): every
registered format is offered by its route's ``format`` enum, described in the OpenAPI
``content`` map and accepted by the CLI's ``--format``; nothing else is."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from alignment.formats import FORMATS as ALIGNMENT_FORMATS
from app.cli import app as cli
from app.jobs.results import FORMATS as RESULTS_FORMATS
from termbase.exchange import formats as exchange


def _format_parameter(operation: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    (parameter,) = [p for p in operation["parameters"] if p["name"] == "format"]
    schema = parameter["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return list(schema["enum"])


def _mimes(formats: Any) -> set[str]:
    return {f.media_type.split(";")[0] for f in formats}


def test_openapi_format_enums_and_content_maps_come_from_the_registries(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]

    align = paths["/v1/align"]["post"]
    assert _format_parameter(align, spec) == list(ALIGNMENT_FORMATS)
    others = [f for name, f in ALIGNMENT_FORMATS.items() if name != "json"]
    assert _mimes(others) <= set(align["responses"]["200"]["content"])

    results = paths["/v1/jobs/{job_id}/results"]["get"]
    assert _format_parameter(results, spec) == list(RESULTS_FORMATS)
    assert set(results["responses"]["200"]["content"]) == _mimes(RESULTS_FORMATS.values())

    export = paths["/v1/termbase/export"]["get"]
    assert _format_parameter(export, spec) == list(exchange.WRITABLE)
    assert set(export["responses"]["200"]["content"]) == _mimes(exchange.WRITABLE.values())

    imported = paths["/v1/termbase/import"]["post"]
    assert _format_parameter(imported, spec) == [exchange.AUTO, *exchange.READABLE]
    body = set(imported["requestBody"]["content"])
    assert _mimes(exchange.READABLE.values()) <= body


def test_the_cli_refuses_a_format_no_registry_has() -> None:
    runner = CliRunner()
    for command in (["align", "a.fr", "a.en"], ["termbase", "export"], ["termbase", "import", "-"]):
        result = runner.invoke(cli, [*command, "--format", "nope"])
        assert result.exit_code == 2, result.output
        assert "--format must be" in result.output and "nope" in result.output
