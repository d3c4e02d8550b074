"""`alinea termbase export` and `alinea termbase import`, run as a user would."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app
from app.db import Database
from termbase.models import Revision
from tests.tbx_support import NS, parse, state

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALINEA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _use(monkeypatch: pytest.MonkeyPatch, database: Database, seed: bool = False) -> None:
    monkeypatch.setenv("ALINEA_DATABASE_URL", database.url)
    monkeypatch.setenv("ALINEA_LOAD_SEED", "true" if seed else "false")


def test_help() -> None:
    for args in (["termbase"], ["termbase", "export"], ["termbase", "import"]):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, args


def test_export_to_a_file_and_to_standard_output(cli_env: Path, seed_concepts: int) -> None:
    target = cli_env / "out" / "seed.tbx"
    target.parent.mkdir()
    result = runner.invoke(app, ["termbase", "export", "--format", "tbx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"{seed_concepts} concepts written to" in result.output
    assert (
        len(parse(target.read_bytes()).getroot().findall(".//tbx:conceptEntry", NS))
        == seed_concepts
    )
    assert [p.name for p in target.parent.iterdir()] == ["seed.tbx"]  # no partial file left
    printed = runner.invoke(app, ["termbase", "export", "--format", "csv", "--lang", "en"])
    assert printed.exit_code == 0
    assert printed.stdout_bytes.startswith(b"\xef\xbb\xbfconcept_id,")
    # --lang en: the English columns only
    header = printed.stdout_bytes.decode("utf-8-sig").splitlines()[0].split(",")
    assert "en" in header and not [column for column in header if column.startswith("fr")]


def test_export_options_are_checked(cli_env: Path) -> None:
    for args in (
        ["--format", "docx"],
        ["--lang", "xx-zz"],
        ["--status", "favourite"],
        ["--changed-since", "yesterday"],
    ):
        result = runner.invoke(app, ["termbase", "export", *args])
        assert result.exit_code == 2, args
        assert result.output.startswith("error:"), args


def test_import_dry_run_then_for_real(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tbx_dir: Path
) -> None:
    _use(monkeypatch, database)
    sample = str(tbx_dir / "basic_dialect/DCA/Example_Astronomy_DCA_VALID.tbx")
    before = state(database)
    dry = runner.invoke(app, ["termbase", "import", sample, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing was written" in dry.output
    assert state(database) == before
    real = runner.invoke(app, ["termbase", "import", sample, "--user", "cli-user", "--json"])
    assert real.exit_code == 0, real.output
    report = json.loads(real.stdout)
    assert report["committed"] and report["concepts"]["created"] == 45
    assert state(database)["concepts"] == 45
    with database.sessionmaker() as session:  # --user: the name on the revisions it made (the
        # others keep the authors the file's transactions name)
        assert "cli-user" in set(session.scalars(select(Revision.changed_by)))
    exported = tmp_path / "again.tbx"
    assert runner.invoke(app, ["termbase", "export", "-o", str(exported)]).exit_code == 0
    again = runner.invoke(app, ["termbase", "import", str(exported), "--mode", "skip", "--json"])
    assert json.loads(again.stdout)["concepts"]["skipped"] == 45


def test_a_refused_import_exits_non_zero_with_one_line(
    database: Database, monkeypatch: pytest.MonkeyPatch, tbx_dir: Path
) -> None:
    _use(monkeypatch, database)
    before = state(database)
    result = runner.invoke(app, ["termbase", "import", str(tbx_dir / "test_files/min_bad.tbx")])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: import refused, nothing was written: line 803, column 7:")
    assert state(database) == before
    as_json = runner.invoke(
        app, ["termbase", "import", str(tbx_dir / "test_files/min_bad.tbx"), "--json"]
    )
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["errors"][0]["line"] == 803


def test_import_options_and_files_are_checked(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _use(monkeypatch, database)
    glossary = tmp_path / "glossary.csv"
    glossary.write_text("en,fr\nState,État\n", encoding="utf-8")
    for args, code in (
        (["--merge", "title"], 2),
        (["--mode", "merge"], 2),
        (["--format", "xlsx"], 2),
    ):
        result = runner.invoke(app, ["termbase", "import", str(glossary), *args])
        assert result.exit_code == code, args
        assert result.output.startswith("error:"), args
    missing = runner.invoke(app, ["termbase", "import", str(tmp_path / "nowhere.tbx")])
    assert missing.exit_code == 1 and "cannot read" in missing.output
    monkeypatch.setenv("ALINEA_MAX_IMPORT_BYTES", "1024")
    large = tmp_path / "large.csv"
    large.write_text("en\n" + "term\n" * 500, encoding="utf-8")
    too_large = runner.invoke(app, ["termbase", "import", str(large)])
    assert too_large.exit_code == 1 and "over the limit" in too_large.output
    assert state(database)["concepts"] == 0


def test_import_reads_standard_input(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, database)
    result = runner.invoke(
        app, ["termbase", "import", "-", "--json"], input="en\tfr\nState\tÉtat\n"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["format"] == "tsv"


def test_a_large_import_reports_its_progress(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import app.cli as cli

    _use(monkeypatch, database)
    seen: list[int] = []
    from rich import progress as rich_progress

    class Recording(rich_progress.Progress):
        def update(self, task_id, **fields):  # type: ignore[no-untyped-def]
            if "completed" in fields:
                seen.append(fields["completed"])
            super().update(task_id, **fields)

    monkeypatch.setattr(rich_progress, "Progress", Recording)
    rows = "".join(
        f"a rather long English term number {i},un terme français assez long numéro {i}\n"
        for i in range(15_000)
    )
    big = tmp_path / "big.csv"
    big.write_text("en,fr\n" + rows, encoding="utf-8")
    result = runner.invoke(app, ["termbase", "import", str(big), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["concepts"]["created"] == 15_000
    size = big.stat().st_size
    assert size > cli.PROGRESS_FROM_BYTES
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] == size
