"""`alinea align`, `alinea eval` and `alinea lexicon build`, run as a user would, on real files."""

from __future__ import annotations

import codecs
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from typer.testing import CliRunner, Result

from alignment import devsets
from alignment.evaluate import check_coverage, parse_beads, sentence_lines
from app.cli import app
from app.settings import Settings

runner = CliRunner()
MB = 1024 * 1024
UN = "data/align-dev/un"
DEVSET = "data/unpc-v1.0-devset"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, with no database and no ../shared next to it."""
    monkeypatch.setenv("ALINEA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("ALINEA_MAX_ALIGN_BYTES", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def document(shared_dir: Path) -> tuple[Path, Path]:
    """An align-dev/un document: French and English files, one sentence a line."""
    folder = shared_dir / UN
    return folder / "un-devset-001.fr", folder / "un-devset-001.en"


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(arg) for arg in args])


def beads_of(result: dict[str, Any]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(tuple(b["fr"]), tuple(b["en"])) for p in result["paragraphs"] for b in p["sentences"]]


def assert_error(result: Result, *words: str) -> None:
    """Exit 1 and one line on standard error, starting with "error:" and saying what is wrong."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_help_everywhere() -> None:
    for args in (["align"], ["eval"], ["lexicon"], ["lexicon", "build"]):
        result = run(*args, "--help")
        assert result.exit_code == 0, args
        assert "Usage" in result.output


# -- alinea align --------------------------------------------------------------------------------


def test_align_prints_json_whose_beads_cover_both_files(
    work: Path, document: tuple[Path, Path]
) -> None:
    result = run("align", *document, "--presegmented")
    assert result.exit_code == 0, result.output
    assert result.stderr == "warning: 8 beads to review: 1 omission, 7 additions\n"
    alignment = json.loads(result.stdout)
    fr, en = (path.read_text(encoding="utf-8") for path in document)
    check_coverage(beads_of(alignment), len(sentence_lines(fr)), len(sentence_lines(en)))
    assert alignment["warnings"] == ["8 beads to review: 1 omission, 7 additions"]


def test_align_writes_every_format(work: Path, document: tuple[Path, Path]) -> None:
    beads = parse_beads(run("align", *document, "--presegmented", "--format", "beads").stdout)
    assert beads == beads_of(json.loads(run("align", *document, "--presegmented").stdout))
    tsv = run("align", *document, "--presegmented", "--format", "tsv").stdout.splitlines()
    assert tsv[0].startswith("fr_indices\ten_indices") and len(tsv) == len(beads) + 1
    html = run("align", *document, "--presegmented", "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and html.count("<tr class=") == len(beads)


def test_align_writes_valid_tmx_to_a_file(
    work: Path, document: tuple[Path, Path], shared_dir: Path
) -> None:
    result = run("align", *document, "--presegmented", "--format", "tmx", "-o", "out.tmx")
    assert result.exit_code == 0, result.output
    assert "written to out.tmx" in result.stdout
    with (shared_dir / "tmx/tmx14.dtd").open("rb") as handle:
        dtd = etree.DTD(handle)
    root = etree.parse(str(work / "out.tmx")).getroot()
    assert dtd.validate(root), dtd.error_log.filter_from_errors()
    assert len(root.findall("body/tu")) > 5


def test_align_segments_raw_text(work: Path, document: tuple[Path, Path]) -> None:
    for path in document:
        (work / path.name).write_text(path.read_text(encoding="utf-8").replace("\n", " "))
    result = run("align", work / document[0].name, work / document[1].name)
    assert result.exit_code == 0, result.output
    alignment = json.loads(result.stdout)
    assert len(alignment["fr"]["sentences"]) > 5


def test_align_reads_utf8_with_a_bom_and_utf16_with_a_bom(
    work: Path, document: tuple[Path, Path]
) -> None:
    fr, en = (path.read_text(encoding="utf-8") for path in document)
    (work / "bom.fr").write_bytes(codecs.BOM_UTF8 + fr.encode("utf-8"))
    (work / "le.en").write_bytes(en.encode("utf-16"))  # with its BOM
    (work / "be.en").write_bytes(codecs.BOM_UTF16_BE + en.encode("utf-16-be"))
    expected = run("align", *document, "--presegmented", "--format", "beads").stdout
    for english in ("le.en", "be.en"):
        result = run("align", "bom.fr", english, "--presegmented", "--format", "beads")
        assert result.exit_code == 0, result.output
        assert result.stdout == expected


def test_align_refuses_two_sides_in_one_language_unless_forced(
    work: Path, document: tuple[Path, Path]
) -> None:
    assert_error(
        run("align", document[1], document[1], "--presegmented"),
        "both sides look English",
        "--force",
    )
    result = run(
        "align", document[1], document[1], "--presegmented", "--format", "beads", "--force"
    )
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: both sides look English")
    assert parse_beads(result.stdout)


def test_align_refuses_swapped_files_unless_forced(work: Path, document: tuple[Path, Path]) -> None:
    swapped = run("align", document[1], document[0], "--presegmented", "--format", "tmx")
    assert_error(swapped, "swapped?", "--force")
    assert not list(work.iterdir())


def test_align_refuses_files_in_another_encoding(work: Path, document: tuple[Path, Path]) -> None:
    french = document[0].read_text(encoding="utf-8")
    (work / "latin1.fr").write_bytes(french.encode("latin-1", "replace"))
    assert_error(
        run("align", "latin1.fr", document[1]),
        "latin1.fr",
        "is not UTF-8 text",
        "convert it to UTF-8",
    )
    (work / "nobom.fr").write_bytes(french.encode("utf-16-le"))
    assert_error(run("align", "nobom.fr", document[1]), "nobom.fr", "UTF-16 without a BOM")
    (work / "utf32.fr").write_bytes(french.encode("utf-32"))
    assert_error(run("align", "utf32.fr", document[1]), "utf32.fr", "UTF-32")


def test_align_refuses_binary_data(work: Path, document: tuple[Path, Path]) -> None:
    (work / "data.bin").write_bytes(bytes(range(256)) * 64)
    assert_error(run("align", document[0], "data.bin"), "data.bin", "binary data")
    (work / "nul.en").write_bytes(codecs.BOM_UTF16_LE + "Hello.\x00\x00".encode("utf-16-le"))
    assert_error(run("align", document[0], "nul.en"), "nul.en", "binary data")


def test_align_refuses_an_empty_side(work: Path, document: tuple[Path, Path]) -> None:
    (work / "empty.fr").write_text("")
    (work / "blank.en").write_text("\n  \n\n")
    assert_error(run("align", "empty.fr", document[1]), "French", "empty")
    assert_error(run("align", document[0], "blank.en"), "English", "empty")


def test_align_refuses_a_megabyte_line_without_punctuation(
    work: Path, document: tuple[Path, Path]
) -> None:
    (work / "line.fr").write_text("mot " * (MB // 4))
    for extra in ([], ["--presegmented"]):
        assert_error(run("align", "line.fr", document[1], *extra), "no sentence boundaries")


def test_align_refuses_files_over_the_limit(
    work: Path, document: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALINEA_MAX_ALIGN_FILE_BYTES", str(2 * MB))
    (work / "big.en").write_text("One more sentence. " * (int(2.1 * MB) // 19))
    assert_error(run("align", document[0], "big.en"), "big.en", "over the limit of 2,097,152")
    (work / "big16.en").write_bytes(
        ("One more sentence. " * (int(2.1 * MB) // 19)).encode("utf-16")
    )
    assert_error(run("align", document[0], "big16.en"), "big16.en", "over the limit")
    monkeypatch.setenv("ALINEA_MAX_ALIGN_FILE_BYTES", "2048")
    assert_error(run("align", *document), "un-devset-001.fr", "over the limit of 2,048")


def test_align_reads_local_files_larger_than_a_request(
    work: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service's per-request limit (2 MB a side) does not apply to local files: 12,000
    sentences of UN text (2.3 MB) align with the default settings."""
    document = devsets.concatenated(devsets.load(shared_dir / UN), 12_000, seed=1)
    (work / "long.fr").write_text(document.fr, encoding="utf-8")
    (work / "long.en").write_text(document.en, encoding="utf-8")
    assert len(document.fr.encode()) > Settings().max_align_bytes
    result = run("align", "long.fr", "long.en", "--presegmented", "--format", "beads")
    assert result.exit_code == 0, result.stderr
    check_coverage(parse_beads(result.stdout), document.n_fr, document.n_en)


def test_align_reads_docx_files(work: Path, shared_dir: Path) -> None:
    """Jobs take .docx; so does alinea align (a paragraph a line, read as raw text)."""
    import docx

    folder = shared_dir / UN
    for lang in ("fr", "en"):
        document = docx.Document()
        for line in sentence_lines((folder / f"un-devset-001.{lang}").read_text("utf-8")):
            document.add_paragraph(line)
        document.save(str(work / f"doc.{lang}.docx"))
    result = run("align", "doc.fr.docx", "doc.en.docx", "--format", "json")
    assert result.exit_code == 0, result.stderr
    aligned = json.loads(result.stdout)
    assert (
        len(aligned["fr"]["sentences"])
        >= len(sentence_lines((folder / "un-devset-001.fr").read_text("utf-8"))) - 2
    )
    (work / "broken.en.docx").write_bytes(b"PK\x03\x04 not a zip")
    assert_error(run("align", "doc.fr.docx", "broken.en.docx"), "not a readable .docx")


def test_align_refuses_more_sentences_than_the_limit(
    work: Path, document: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALINEA_MAX_ALIGN_SENTENCES", "10")
    assert_error(run("align", *document, "--presegmented"), "sentences", "at most 10")


def test_align_bad_arguments(work: Path, document: tuple[Path, Path]) -> None:
    assert_error(run("align", "missing.fr", document[1]), "cannot read missing.fr")
    result = run("align", *document, "--format", "pdf")
    assert result.exit_code == 2 and result.stderr.startswith("error: --format must be one of")
    bad_output = run("align", *document, "-o", work / "no/such/folder/out.json")
    assert bad_output.exit_code == 1
    assert bad_output.stderr.splitlines()[-1].startswith("error: cannot write")


# -- alinea eval ---------------------------------------------------------------------------------


@pytest.fixture
def dev_folder(work: Path, shared_dir: Path) -> Path:
    """Three align-dev/un documents copied into a folder of their own."""
    folder = work / "dev"
    folder.mkdir()
    for number in (0, 1, 2):
        for suffix in ("fr", "en", "gold"):
            name = f"un-devset-{number:03d}.{suffix}"
            shutil.copy(shared_dir / UN / name, folder / name)
    return folder


def test_eval_prints_the_scores_and_writes_the_alignments(work: Path, dev_folder: Path) -> None:
    result = run("eval", dev_folder, "--out", work / "out")
    assert result.exit_code == 0, result.output
    report = result.stdout
    assert "3 documents" in report
    for line in ("precision", "recall", "F1", "By bead type", "1-1", "Worst 3 documents"):
        assert line in report
    assert "strict" in report and "lax" in report
    written = sorted((work / "out").glob("*.align"))
    assert [p.stem for p in written] == [p.stem for p in sorted(dev_folder.glob("*.gold"))]
    for path in written:
        fr = (dev_folder / f"{path.stem}.fr").read_text(encoding="utf-8")
        en = (dev_folder / f"{path.stem}.en").read_text(encoding="utf-8")
        check_coverage(
            parse_beads(path.read_text()), len(sentence_lines(fr)), len(sentence_lines(en))
        )


def test_eval_prints_json_for_scripts(dev_folder: Path) -> None:
    result = run("eval", dev_folder, "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert 0.5 < scores["score"]["strict_f1"] <= 1
    assert {"strict_precision", "strict_recall", "lax_f1", "counts"} <= set(scores["score"])
    assert "1-1" in scores["by_type"]
    assert len(scores["documents"]) == 3 and scores["problems"] == []


def test_eval_reports_a_document_it_cannot_align_and_goes_on(dev_folder: Path) -> None:
    (dev_folder / "empty.fr").write_text("")
    (dev_folder / "empty.en").write_text("Only English.\n")
    (dev_folder / "empty.gold").write_text("[]:[0]\n")
    result = run("eval", dev_folder)
    assert result.exit_code == 0, result.output
    assert "warning: cannot align empty: the French text is empty" in result.stderr
    assert "4 documents" in result.stdout and "do not cover" in result.stdout


def test_eval_needs_gold_files(work: Path, dev_folder: Path) -> None:
    for gold in dev_folder.glob("*.gold"):
        gold.unlink()
    assert_error(run("eval", dev_folder), "no NAME.gold files")
    assert_error(run("eval", work / "nowhere"), "is not a folder")


# -- alinea lexicon build ------------------------------------------------------------------------


def test_lexicon_build_writes_the_artifacts_and_prints_their_hashes(
    work: Path, shared_dir: Path
) -> None:
    corpus = work / "corpus"
    corpus.mkdir()
    for lang in ("fr", "en"):
        lines = (shared_dir / DEVSET / f"UNv1.0.devset.{lang}").read_text(encoding="utf-8")
        (corpus / f"UNv1.0.devset.{lang}").write_text("\n".join(lines.split("\n")[:300]) + "\n")
    args: list[str | Path] = ["--corpus-dir", corpus, "--vocab-size", "800"]
    args += ["--iterations", "2", "--seed", "5"]
    result = run("lexicon", "build", *args, "--out", work / "lexicon")
    assert result.exit_code == 0, result.output
    manifest = json.loads((work / "lexicon/lexicon.json").read_text())
    for part in ("model", "table"):
        data = (work / "lexicon" / manifest[part]["file"]).read_bytes()
        assert manifest[part]["sha256"] == hashlib.sha256(data).hexdigest()
        assert manifest[part]["sha256"] in result.stdout
    assert manifest["settings"]["vocab_size"] == 800 and manifest["settings"]["seed"] == 5
    assert manifest["settings"]["ibm1_iterations"] == 2


def test_lexicon_build_needs_the_corpus(work: Path) -> None:
    # The default corpus folder is ../shared/data/unpc-v1.0-devset from here: absent.
    assert_error(run("lexicon", "build", "--out", work / "lexicon"), "--corpus-dir", "devset")
    assert_error(run("lexicon", "build", "--corpus-dir", work), "UNv1.0.devset.fr")
    assert not (work / "lexicon").exists()
