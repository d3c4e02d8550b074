"""The interface's server side without a browser: the catalogue, the pages' headers and
languages, the documentation's packaged assets, and the two helpers' answers to bad input."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.ui.i18n import MESSAGES
from app.ui.routes import DOCX_MEDIA_TYPE, EXPORT_PATH, HERE, STATIC_PATH

PAGES = ("/", "/check", "/align", "/jobs", "/desk")


def test_both_languages_have_every_message_with_the_same_placeholders() -> None:
    english, french = MESSAGES["en"], MESSAGES["fr"]
    assert english.keys() == french.keys()
    for key, text in english.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", french[key])), (
            key
        )


def test_every_message_the_pages_use_exists() -> None:
    used: set[str] = set()
    for template in (HERE / "templates").glob("*.html"):
        used |= set(re.findall(r"t\['([\w.]+)'\]", template.read_text("utf-8")))
    for script in (HERE / "static" / "js").glob("*.js"):
        used |= set(re.findall(r"\bt\(\s*\"([\w.]+)\"", script.read_text("utf-8")))
    assert used, "no message found: the patterns are wrong"
    assert sorted(used - MESSAGES["en"].keys()) == []


def test_pages_in_the_asked_language_and_the_choice_kept(client: TestClient) -> None:
    french = client.get("/?lang=fr")
    assert '<html lang="fr">' in french.text and "Recherche" in french.text
    assert "alinea_lang=fr" in french.headers["set-cookie"]
    assert "httponly" in french.headers["set-cookie"].lower()
    assert '<html lang="fr">' in client.get("/check").text  # the cookie
    client.cookies.clear()
    assert '<html lang="fr">' in client.get("/", headers={"accept-language": "fr-CA,fr"}).text
    assert '<html lang="en">' in client.get("/", headers={"accept-language": "de"}).text
    # an unknown language is no error: the default
    assert '<html lang="en">' in client.get("/?lang=xx").text


def test_pages_and_docs_load_only_packaged_files(client: TestClient) -> None:
    for path in (*PAGES, "/docs", "/redoc"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        for url in re.findall(r'(?:src|href)="([^"]+)"', response.text):
            assert not url.startswith(("http:", "https:", "//")), (path, url)
            if url.startswith(STATIC_PATH):
                assert client.get(url).status_code == 200, url


def test_the_pages_are_not_in_the_api_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/v1/", "/livez", "/readyz"))]


def _docx(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_document_text_reads_a_docx(client: TestClient) -> None:
    response = client.post(
        "/ui/api/document-text?name=a.docx",
        content=_docx("Premier paragraphe.", "Second paragraphe."),
        headers={"content-type": DOCX_MEDIA_TYPE},
    )
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "Premier paragraphe.\n\nSecond paragraphe.\n"


@pytest.mark.parametrize(
    ("query", "body", "media_type", "status"),
    [
        ("name=a.docx", b"not a zip", DOCX_MEDIA_TYPE, 422),
        ("name=a.docx", b"PK\x03\x04broken", DOCX_MEDIA_TYPE, 422),
        ("name=a.docx", b"text", "text/plain", 415),
        ("", b"", DOCX_MEDIA_TYPE, 422),
        ("name=%01", b"", DOCX_MEDIA_TYPE, 422),
    ],
)
def test_document_text_refuses_what_it_cannot_read(
    client: TestClient, query: str, body: bytes, media_type: str, status: int
) -> None:
    response = client.post(
        f"/ui/api/document-text?{query}", content=body, headers={"content-type": media_type}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


CORRECTED: dict[str, Any] = {
    "fr": ["Un.", "Deux.", "Trois."],
    "en": ["One.", "Two and three."],
    "beads": [{"fr": [0], "en": [0]}, {"fr": [1, 2], "en": [1]}],
}


def test_export_writes_the_corrected_beads(client: TestClient) -> None:
    tsv = client.post(f"{EXPORT_PATH}?format=tsv", json=CORRECTED)
    assert tsv.status_code == 200, tsv.text
    rows = [line.split("\t") for line in tsv.text.splitlines()[1:]]
    assert [row[:3] for row in rows] == [["0", "0", "1-1"], ["1,2", "1", "2-1"]]
    assert rows[1][-2:] == ["Deux. Trois.", "Two and three."]
    tmx = client.post(f"{EXPORT_PATH}?format=tmx", json=CORRECTED)
    assert tmx.status_code == 200
    assert 'filename="alignment.tmx"' in tmx.headers["content-disposition"]
    assert "<seg>Deux. Trois.</seg>" in tmx.text


@pytest.mark.parametrize(
    ("beads", "detail"),
    [
        ([{"fr": [0], "en": [0]}], "take 1 of the 3 fr sentences"),
        ([{"fr": [1], "en": [0]}, {"fr": [0, 2], "en": [1]}], "out of order"),
        ([{"fr": [0, 0], "en": [0]}, {"fr": [1, 2], "en": [1]}], "out of order"),
        (
            [{"fr": [0], "en": [0]}, {"fr": [], "en": []}, {"fr": [1, 2], "en": [1]}],
            "without sentences",
        ),
        ([{"fr": [0, 1, 2], "en": [0, 1, 2]}], "there is no en sentence 2"),
    ],
)
def test_export_refuses_beads_that_do_not_cover_the_sides(
    client: TestClient, beads: list[dict[str, Any]], detail: str
) -> None:
    response = client.post(EXPORT_PATH, json={**CORRECTED, "beads": beads})
    assert response.status_code == 422
    assert detail in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {**CORRECTED, "beads": [{"fr": [-1], "en": []}]},
        {**CORRECTED, "beads": [{"fr": [0], "en": [0], "review": "maybe"}]},
        {**CORRECTED, "extra": 1},
        {"fr": "not a list", "en": [], "beads": []},
    ],
)
def test_export_refuses_malformed_bodies(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post(EXPORT_PATH, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_helpers_are_rate_limited_and_keyed_like_the_api(client: TestClient) -> None:
    response = client.post(EXPORT_PATH, json=CORRECTED, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
