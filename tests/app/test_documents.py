"""One decoder for every way text comes in (app.documents): the same bytes are taken, or refused
with the same reason, by ``alinea align``, ``alinea terms recognize``, the concept files of
``alinea concepts`` and job uploads; text sent as JSON is checked the same way by the align
route and JSON jobs."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient

from app import cli, concepts_cli
from app.documents import DocumentError, text_size

TEXT = '{"note": "Le traité « spécial » — ✓"}'  # text, and JSON for the concept files
CASES = {
    "utf-8": (TEXT.encode("utf-8"), None),
    "utf-8 with a BOM": (codecs.BOM_UTF8 + TEXT.encode("utf-8"), None),
    "utf-16 with a BOM": (TEXT.encode("utf-16"), None),
    "utf-16-be with a BOM": (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), None),
    "utf-16 without a BOM": (TEXT.encode("utf-16-le"), "UTF-16 without a BOM"),
    "latin-1": ('{"note": "Le traité"}'.encode("latin-1"), "is not UTF-8 text"),
    "utf-32": (TEXT.encode("utf-32"), "UTF-32"),
    "binary": (b"\x00\x01\x02\x03 traite", "binary"),
}


def _cli(reader: Callable[[str], object]) -> Callable[[Path, pytest.CaptureFixture[str]], str]:
    def read(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
        try:
            return str(reader(str(path)))
        except typer.Exit:
            return "refused: " + capsys.readouterr().err
        except SystemExit:
            return "refused: " + capsys.readouterr().err

    return read


WAYS_IN = {
    "alinea align": _cli(lambda path: cli._read_side(path, 1024 * 1024)),
    "alinea terms recognize": _cli(cli._read_text),
    "alinea concepts (a JSON file)": _cli(lambda path: concepts_cli._read_json(path)["note"]),
}


@pytest.mark.parametrize("way_in", list(WAYS_IN))
@pytest.mark.parametrize("case", list(CASES))
def test_every_way_in_takes_or_refuses_the_same_bytes(
    way_in: str, case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, refusal = CASES[case]
    path = tmp_path / "doc.fr.txt"
    path.write_bytes(data)
    result = WAYS_IN[way_in](path, capsys)
    if refusal is None:
        assert "Le traité « spécial » — ✓" in result, result
    else:
        assert result.startswith("refused: ") and refusal in result, result
        assert "doc.fr.txt" in result, result  # the message names the file


@pytest.mark.parametrize("case", list(CASES))
def test_a_job_upload_takes_or_refuses_the_same_bytes(client: TestClient, case: str) -> None:
    data, refusal = CASES[case]
    files = [
        ("files", ("doc.fr.txt", data, "text/plain")),
        ("files", ("doc.en.txt", b"The special treaty.", "text/plain")),
    ]
    response = client.post("/v1/jobs", files=files)
    if refusal is None:
        assert response.status_code == 202, response.text
    else:
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert refusal in detail and "doc.fr.txt" in detail, detail


def test_json_text_with_a_lone_surrogate_is_refused(client: TestClient) -> None:
    # Sent as JSON text: "\ud800" is a lone surrogate escape, which Python's JSON lets through
    # (app.documents.text_size refuses it; the job route's parser refuses it already).
    side = '["Une phrase.", "Une autre \\ud800 phrase."]'
    by_align = client.post(
        "/v1/align",
        content=f'{{"fr": {side}, "en": ["Hi.", "There."]}}',
        headers={"content-type": "application/json"},
    )
    assert by_align.status_code == 422, by_align.text
    assert "lone surrogate (U+D800 at offset 22)" in by_align.json()["detail"]
    by_job = client.post(
        "/v1/jobs",
        content=f'{{"documents": [{{"name": "d", "fr": {side}, "en": ["Hi.", "There."]}}]}}',
        headers={"content-type": "application/json"},
    )
    assert by_job.status_code == 422, by_job.text
    with pytest.raises(DocumentError, match="U\\+D800 at offset 10"):
        text_size("Une autre \ud800.", "the text")
