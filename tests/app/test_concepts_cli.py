"""`alinea concepts …`, run as a terminologist would: on the database of ALINEA_DATABASE_URL."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.db import Database

runner = CliRunner()


@pytest.fixture
def cli(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("ALINEA_DATABASE_URL", database.url)
    monkeypatch.setenv("ALINEA_LOAD_SEED", "false")
    return database


def _run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["concepts", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def _create(*terms: str, **fields: str) -> dict:  # type: ignore[type-arg]
    options = [item for term in terms for item in ("--term", term)]
    for name, value in fields.items():
        options += [f"--{name.replace('_', '-')}", value]
    code, stdout, stderr = _run("create", *options, "--user", "ann", "--json")
    assert code == 0, stderr
    return json.loads(stdout)  # type: ignore[no-any-return]


def test_help() -> None:
    for command in ("", "list", "show", "create", "edit", "delete", "history", "restore",
                    "add-term", "edit-term", "remove-term"):  # fmt: skip
        result = runner.invoke(app, ["concepts", *command.split(), "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, command


def test_create_list_show_from_options_and_from_json(cli: Database, tmp_path: Path) -> None:
    created = _create(
        "en:smuggling of migrants:preferred", "fr:trafic illicite de migrants:preferred",
        definition="Procuring illegal entry for gain.",
    )  # fmt: skip
    assert [t["status"] for t in created["terms"]] == ["preferred", "preferred"]
    body = tmp_path / "concept.json"
    body.write_text(json.dumps({"terms": [{"lang": "en", "text": "Member State"}]}))
    code, stdout, _ = _run("create", str(body))
    assert code == 0 and "created: revision 1" in stdout
    code, stdout, _ = _run("list", "--json")
    assert [c["terms"][0]["text"] for c in json.loads(stdout)["items"]] == [
        "smuggling of migrants",
        "Member State",
    ]
    code, stdout, _ = _run("show", str(created["id"]))
    assert code == 0 and "trafic illicite de migrants" in stdout and "revision 1" in stdout
    code, _, stderr = _run("show", "999")
    assert code == 1 and stderr.startswith("error: concept 999 does not exist")
    code, _, stderr = _run("create", "--term", "xx-zz:nothing")
    assert code == 1 and "invalid concept" in stderr


def test_edit_in_the_editor_writes_back_what_changed(
    cli: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    concept = _create("en:smuggling of migrants:preferred")
    # an "editor" that changes the definition and adds a term, as a person would in the JSON
    script = tmp_path / "editor.py"
    script.write_text(
        "import json, sys\n"
        "path = sys.argv[1]\n"
        "concept = json.load(open(path, encoding='utf-8'))\n"
        "concept['definition'] = 'Edited in the editor.'\n"
        "concept['terms'].append({'lang': 'fr', 'text': 'trafic de migrants'})\n"
        "json.dump(concept, open(path, 'w', encoding='utf-8'))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    code, stdout, stderr = _run("edit", str(concept["id"]), "--user", "bob")
    assert code == 0, stderr
    assert "saved: revision 2" in stdout
    code, stdout, _ = _run("show", str(concept["id"]), "--json")
    shown = json.loads(stdout)
    assert shown["definition"] == "Edited in the editor."
    assert shown["terms"][0]["id"] == concept["terms"][0]["id"]  # kept by its id
    # an editor that changes nothing changes nothing
    monkeypatch.setenv("EDITOR", "true")
    code, stdout, _ = _run("edit", str(concept["id"]))
    assert code == 0 and "no change" in stdout


def test_an_edit_based_on_an_old_revision_is_refused(cli: Database, tmp_path: Path) -> None:
    concept = _create("en:smuggling of migrants:preferred")
    cid = str(concept["id"])
    assert _run("edit", cid, "--set", "note=first", "--if-revision", "1")[0] == 0
    code, _, stderr = _run("edit", cid, "--set", "note=second", "--if-revision", "1")
    assert code == 1 and "changed since it was read" in stderr
    patch = tmp_path / "patch.json"
    patch.write_text(json.dumps({"revision": 1, "definition": "stale"}))
    code, _, stderr = _run("edit", cid, str(patch))
    assert code == 1 and "revision 2" in stderr
    code, stdout, _ = _run("show", cid, "--json")
    assert json.loads(stdout)["note"] == "first"
    code, _, stderr = _run("delete", cid, "--if-revision", "1")
    assert code == 1


def test_history_restore_delete_and_terms(cli: Database) -> None:
    concept = _create("en:smuggling of migrants:preferred", definition="First.")
    cid = str(concept["id"])
    assert _run("edit", cid, "--set", "definition=Second.")[0] == 0
    code, stdout, stderr = _run("add-term", cid, "es", "tráfico ilícito de migrantes", "--json")
    assert code == 0, stderr
    term = next(t for t in json.loads(stdout)["terms"] if t["lang"] == "es")
    assert _run("edit-term", cid, str(term["id"]), "--status", "preferred")[0] == 0
    assert _run("remove-term", cid, str(term["id"]))[0] == 0
    code, stdout, _ = _run("history", cid)
    assert code == 0
    assert "definition: 'First.' → 'Second.'" in stdout
    code, stdout, _ = _run("history", cid, "--json")
    items = json.loads(stdout)["items"]
    assert [i["revision"] for i in items] == [1, 2, 3, 4, 5]
    assert [(c["field"], c["before"], c["after"]) for c in items[3]["changes"]] == [
        ("status", "admitted", "preferred")
    ]
    code, stdout, _ = _run("restore", cid, "1", "--json")
    assert code == 0 and json.loads(stdout)["definition"] == "First."
    assert _run("delete", cid)[0] == 0
    code, _, stderr = _run("show", cid)
    assert code == 1
    code, stdout, _ = _run("restore", cid, "6")
    assert code == 0 and "restored to revision 6" in stdout
    code, _, stderr = _run("remove-term", cid, str(concept["terms"][0]["id"]))
    assert code == 1 and "last term" in stderr


def test_if_revision_required_by_the_setting(
    cli: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    concept = _create("en:smuggling of migrants:preferred")
    monkeypatch.setenv("ALINEA_REQUIRE_IF_MATCH", "true")
    cid = str(concept["id"])
    for args in (["delete", cid], ["edit", cid, "--set", "note=x"], ["restore", cid, "1"]):
        code, _, stderr = _run(*args)
        assert code == 2 and "--if-revision" in stderr, args
    assert _run("edit", cid, "--set", "note=x", "--if-revision", "1")[0] == 0


def test_duplicates_are_reported_or_refused(cli: Database) -> None:
    first = _create("en:smuggling of migrants:preferred")
    code, _, stderr = _run("create", "--term", "en:Smuggling of migrants:preferred")
    assert code == 0 and f"main term of concept {first['id']}" in stderr
    code, _, stderr = _run(
        "create", "--term", "en:smuggling of migrants:preferred", "--on-duplicate", "refuse"
    )
    assert code == 1 and "refused" in stderr
    code, stdout, _ = _run("list", "--json")
    assert len(json.loads(stdout)["items"]) == 2


def test_import_options_for_conflicts_and_duplicates(cli: Database, tmp_path: Path) -> None:
    concept = _create("en:smuggling of migrants:preferred", definition="Old.")
    exported = tmp_path / "old.csv"
    result = runner.invoke(app, ["termbase", "export", "--format", "csv", "-o", str(exported)])
    assert result.exit_code == 0
    assert _run("edit", str(concept["id"]), "--set", "definition=Newer.")[0] == 0
    result = runner.invoke(app, ["termbase", "import", str(exported)])
    assert result.exit_code == 0
    assert "conflict: concept" in result.stderr and "left as it is" in result.stderr
    code, stdout, _ = _run("show", str(concept["id"]), "--json")
    assert json.loads(stdout)["definition"] == "Newer."
    forced = runner.invoke(app, ["termbase", "import", str(exported), "--on-conflict", "overwrite"])
    assert forced.exit_code == 0 and "definition: 'Newer.' → 'Old.'" in forced.stdout
    bad = runner.invoke(app, ["termbase", "import", str(exported), "--on-conflict", "win"])
    assert bad.exit_code == 2


def test_an_edit_that_cannot_be_saved_is_kept(
    cli: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    concept = _create("en:smuggling of migrants:preferred")
    script = tmp_path / "editor.py"
    script.write_text(
        "import json, sys\n"
        "path = sys.argv[1]\n"
        "concept = json.load(open(path, encoding='utf-8'))\n"
        "concept['terms'] = []\n"  # a concept keeps at least one term
        "json.dump(concept, open(path, 'w', encoding='utf-8'))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    code, _, stderr = _run("edit", str(concept["id"]))
    assert code == 1 and "invalid change" in stderr
    kept = Path(stderr.split("your edit is kept in ")[1].split()[0])
    assert json.loads(kept.read_text())["terms"] == []
    kept.unlink()
    code, stdout, _ = _run("show", str(concept["id"]), "--json")
    assert json.loads(stdout)["revision"] == 1
