"""The `alinea` command line, run as a user would: real database file, real seed."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALINEA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_help_everywhere() -> None:
    for args in ([], ["terms"], ["db"], ["serve"], ["terms", "lookup"], ["terms", "recognize"]):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Usage" in result.output


def test_lookup_prints_a_table_and_json(cli_env: Path) -> None:
    table = runner.invoke(
        app, ["terms", "lookup", "trafic de migrants", "--src", "fr", "--tgt", "en"]
    )
    assert table.exit_code == 0, table.output
    assert "smuggling of migrants" in table.output
    data = runner.invoke(
        app, ["terms", "lookup", "Member State", "--src", "en", "--tgt", "fr", "--json"]
    )
    assert data.exit_code == 0
    body = json.loads(data.output)
    assert body["items"][0]["equivalents"][0]["text"] == "États Membres"
    fuzzy = runner.invoke(
        app,
        [
            "terms",
            "lookup",
            "trafiking in persons",
            "--src",
            "en",
            "--tgt",
            "fr",
            "--match",
            "fuzzy",
            "--json",
        ],
    )
    assert json.loads(fuzzy.output)["items"][0]["equivalents"][0]["text"] == "traite des personnes"


def test_lookup_errors_are_one_line_and_non_zero(cli_env: Path) -> None:
    for args, code in (
        (["terms", "lookup", "traite", "--src", "xx"], 2),
        (["terms", "lookup", "traite", "--match", "regex"], 2),
        (["terms", "lookup", "!!!"], 2),
        (["terms", "lookup", "photosynthèse"], 1),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == code, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_recognize_a_file(cli_env: Path, seed_document: str) -> None:
    path = cli_env / "seed.fr.txt"
    path.write_text(seed_document, encoding="utf-8")
    result = runner.invoke(
        app, ["terms", "recognize", str(path), "--src", "fr", "--tgt", "en", "--json"]
    )
    assert result.exit_code == 0
    terms = json.loads(result.output)["terms"]
    assert any(t["text"] == "trafic de migrants" for t in terms)
    assert all(seed_document[t["start"] : t["end"]] == t["text"] for t in terms)
    table = runner.invoke(app, ["terms", "recognize", str(path)])
    assert table.exit_code == 0 and "trafficking in persons" in table.output


def test_recognize_refuses_bad_files(cli_env: Path) -> None:
    (cli_env / "binary.bin").write_bytes(b"\x00\x01\x02 traite")
    (cli_env / "latin1.txt").write_bytes("traite des êtres".encode("latin-1"))
    for name in ("missing.txt", "binary.bin", "latin1.txt"):
        result = runner.invoke(app, ["terms", "recognize", str(cli_env / name)])
        assert result.exit_code == 1, name
        assert result.output.startswith("error:"), result.output


def test_db_upgrade(cli_env: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0
    from app.db import head_revision

    assert f"database at revision {head_revision()}" in result.output
    bad = runner.invoke(app, ["db", "upgrade", "nonexistent"])
    assert bad.exit_code == 1 and bad.output.startswith("error:")
