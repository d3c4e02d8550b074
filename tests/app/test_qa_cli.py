"""`alinea qa FR EN` and `alinea terms extract`: reports and candidates on the shell, a
non-zero exit only for input that cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import app
from tests.app.qa_sample import CONTEXTS, EN, FR

runner = CliRunner()


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with the two texts and a SQLite database (seeded on first use)."""
    monkeypatch.setenv("ALINEA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.fr.txt").write_text(FR, encoding="utf-8")
    (tmp_path / "doc.en.txt").write_text(EN, encoding="utf-8")
    return tmp_path


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(arg) for arg in args])


def test_qa_prints_the_findings_and_exits_zero(work: Path) -> None:
    result = run("qa", "doc.fr.txt", "doc.en.txt")
    assert result.exit_code == 0, result.output
    assert "deprecated: “trade in persons” is deprecated" in result.output
    assert "number: 1,600 is not on the French side" in result.output
    assert "3 findings in 2 of 3 beads" in result.output


def test_qa_writes_json_and_html(work: Path) -> None:
    result = run("qa", "doc.fr.txt", "doc.en.txt", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["by_kind"] == {"deprecated": 1, "number": 2}
    result = run("qa", "doc.fr.txt", "doc.en.txt", "--format", "html", "-o", "qa.html")
    assert result.exit_code == 0, result.output
    assert '<mark class="deprecated">' in (work / "qa.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("qa", "missing.txt", "doc.en.txt"), "cannot read missing.txt"),
        (("qa", "doc.fr.txt", "doc.en.txt", "--format", "pdf"), "--format"),
        (("qa", "doc.fr.txt", "doc.en.txt", "--checks", "spelling"), "unknown spelling"),
        (("terms", "extract"), "one of them"),
        (("terms", "extract", "nowhere"), "not a folder"),
        (("terms", "extract", ".", "--format", "xml"), "--format"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(
    work: Path, args: tuple[str, ...], words: str
) -> None:
    result = run(*args)
    assert result.exit_code != 0
    assert words in result.output


def test_terms_extract_reads_a_folder_of_aligned_pairs(work: Path) -> None:
    folder = work / "pairs"
    folder.mkdir()
    for i, (fr, en) in enumerate(CONTEXTS):
        # line-aligned pairs: one bead a line, no .gold file
        (folder / f"d{i}.fr").write_text(f"{fr} la traite des personnes.\nAutre phrase {i}.\n")
        (folder / f"d{i}.en").write_text(f"{en} trafficking in persons.\nOther sentence {i}.\n")
    result = run("terms", "extract", folder, "--format", "json")
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert listing["documents"] == 3 and listing["beads"] == 6
    found = {c["key"]: c for c in listing["candidates"]}
    assert found["traite des personne|trafficking in person"]["known"]  # in the seed
    tsv = run("terms", "extract", folder, "--format", "tsv")
    assert tsv.stdout.splitlines()[0].startswith("rank\tfr\ten\tfrequency")
    (folder / "d9.fr").write_text("Une.\nDeux.\n")
    (folder / "d9.en").write_text("One.\n")
    assert "1 English lines" in run("terms", "extract", folder).output
