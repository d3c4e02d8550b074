"""The concordance (issue 13, item 5): stemming on both databases, phrases, highlighted matches,
accent-aware ranking, and the filter by termbase concept. Each test runs on SQLite and PostgreSQL;
segments are aligned in-process (no runner) to keep them fast."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.jobs import repository
from app.jobs.stems import Wanted, exact_glob, highlight, marked, stem, stems
from app.jobs.worker import align_pair

PAIRS = [
    ("traite", "La traite des personnes est un crime.", "Trafficking in persons is a crime."),
    (
        "traité",
        "Le Traité sur la non-prolifération est en vigueur.",
        "The Treaty on the Non-Proliferation is in force.",
    ),
    ("phrase", "Le trafic de migrants augmente.", "The smuggling of migrants is rising."),
    ("words", "Les migrants et le trafic sont distincts.", "Migrants and traffic differ."),
    ("html", "Un migrant a témoigné <b>.", "A migrant testified <b>."),
    (
        "illicite",
        "Le trafic illicite de migrants est puni.",
        "Smuggling of migrants is punished.",
    ),
]


@pytest.fixture
def corpus(database: Database, make_client: Callable[..., TestClient]) -> Iterator[TestClient]:
    with make_client(database.url, load_seed=False, runner="off") as client:
        body = {"documents": [{"name": n, "fr": [fr], "en": [en]} for n, fr, en in PAIRS]}
        assert client.post("/v1/jobs", json=body).status_code in (200, 201, 202)
        for item in repository.claim(database.engine, "test", len(PAIRS), 30):
            result = align_pair(item.fr, item.en, item.options)
            assert repository.complete(database.engine, "test", item.id, result)
        repository.index_segments(database.engine)
        yield client


def _search(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/segments", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _docs(hits: list[dict[str, Any]]) -> list[str]:
    return [h["document"] for h in hits]


def test_inflected_forms_are_found_on_both_databases(corpus: TestClient) -> None:
    assert sorted(_docs(_search(corpus, q="migrant"))) == ["html", "illicite", "phrase", "words"]
    assert sorted(_docs(_search(corpus, q="migrant", lang="en"))) == sorted(
        ["html", "illicite", "phrase", "words"]
    )
    assert _docs(_search(corpus, q="punis")) == ["illicite"]  # "puni" found from "punis"
    assert _docs(_search(corpus, q="migra*")) != []  # a prefix still works, alone
    assert _docs(_search(corpus, q="migra* puni")) == ["illicite"]  # and with stemmed words


def test_a_phrase_is_its_words_in_order(corpus: TestClient) -> None:
    assert _docs(_search(corpus, q='"trafic de migrants"')) == ["phrase"]
    assert _docs(_search(corpus, q='"trafic de migrant"')) == ["phrase"]  # inflected
    assert sorted(_docs(_search(corpus, q="trafic migrants"))) == ["illicite", "phrase", "words"]


def test_results_carry_the_match_highlighted_and_escaped(corpus: TestClient) -> None:
    [hit] = _search(corpus, q='"trafic de migrants"')
    assert [hit["fr"][m["start"] : m["end"]] for m in hit["matches"]] == ["trafic de migrants"]
    assert hit["highlighted"] == "Le <mark>trafic de migrants</mark> augmente."
    [html] = [h for h in _search(corpus, q="migrant") if h["document"] == "html"]
    assert html["highlighted"] == "Un <mark>migrant</mark> a témoigné &lt;b&gt;."
    [english] = [h for h in _search(corpus, q="migrant", lang="en") if h["document"] == "html"]
    assert english["highlighted"] == "A <mark>migrant</mark> testified &lt;b&gt;."


def test_the_query_s_accents_come_first(corpus: TestClient) -> None:
    assert _docs(_search(corpus, q="traite")) == ["traite", "traité"]
    assert _docs(_search(corpus, q="Traité")) == ["traité", "traite"]
    assert _docs(_search(corpus, q="traite", limit=1)) == ["traite"]


def test_a_concept_finds_every_term_of_it(
    corpus: TestClient, database: Database, add_concept: Callable[..., int]
) -> None:
    concept = add_concept(
        database,
        {"lang": "fr", "text": "trafic de migrants", "status": "preferred"},
        {"lang": "fr", "text": "trafic illicite de migrants", "status": "admitted"},
        {"lang": "en", "text": "smuggling of migrants", "status": "preferred"},
    )
    assert sorted(_docs(_search(corpus, concept=concept))) == ["illicite", "phrase"]
    assert sorted(_docs(_search(corpus, concept=concept, lang="en"))) == ["illicite", "phrase"]
    assert _docs(_search(corpus, concept=concept, q="puni")) == ["illicite"]
    hit = next(h for h in _search(corpus, concept=concept) if h["document"] == "illicite")
    assert hit["highlighted"] == "Le <mark>trafic illicite de migrants</mark> est puni."
    french_only = add_concept(database, {"lang": "fr", "text": "passeur", "status": "preferred"})
    response = corpus.get("/v1/segments", params={"concept": french_only, "lang": "en"})
    assert response.status_code == 422 and "no term in 'en'" in response.json()["detail"]
    response = corpus.get("/v1/segments", params={"concept": 999_999})
    assert response.status_code == 404
    assert corpus.get("/v1/segments").status_code == 422  # neither q nor concept
    assert corpus.get("/v1/segments", params={"q": '" "'}).status_code == 422


def test_stems_and_highlights_as_plain_functions() -> None:
    assert stem("migrants", "fr") == stem("migrant", "fr") == "migr"
    assert stem("États", "fr") == stem("Etats", "fr")
    assert stems("l'exploitation", "fr") == ["l", "exploit"]
    text = "Les États Membres et l'État partie"
    spans = highlight(text, "fr", Wanted(((stem("état", "fr"),),)))
    assert [text[s:e] for s, e in spans] == ["États", "État"]
    assert marked("a <b> c", [(0, 1)]) == "<mark>a</mark> &lt;b&gt; c"
    assert (
        exact_glob("traite")
        == "*[^0-9A-Za-zÀ-ÖØ-öø-ÿŒœ][tT][rR][aA][iI][tT][eE][^0-9A-Za-zÀ-ÖØ-öø-ÿŒœ]*"
    )


class _Borrowed:
    """The test's client, lent to the command line, which closes what it is given."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def close(self) -> None:
        pass


def test_the_command_line_searches_the_service(
    corpus: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from app.cli import app

    monkeypatch.setattr("app.jobs.cli.client", lambda: _Borrowed(corpus))
    runner = CliRunner()
    found = runner.invoke(app, ["segments", "search", '"trafic de migrants"', "--json"])
    assert found.exit_code == 0, found.output
    [hit] = json.loads(found.output)["items"]
    assert hit["document"] == "phrase" and "<mark>trafic de migrants</mark>" in hit["highlighted"]
    table = runner.invoke(app, ["segments", "search", "migrant", "--lang", "en"])
    assert table.exit_code == 0 and "smuggling of migrants" in table.output
    nothing = runner.invoke(app, ["segments", "search"])
    assert nothing.exit_code == 1 and "give a query" in nothing.output
    unknown = runner.invoke(app, ["segments", "search", "--concept", "999999"])
    assert unknown.exit_code == 1 and "404" in unknown.output
