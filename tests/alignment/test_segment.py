"""Sentence segmentation of UN text and the sides it builds (raw documents and align-dev files)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from alignment.segment import (
    is_furniture,
    segment_presegmented,
    segment_raw,
    split_sentences,
)
from alignment.types import Side


def sentences_of(text: str, lang: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text, lang)]


def gold_beads(path: Path) -> list[tuple[list[int], list[int]]]:
    """The beads of an align-dev ``.gold`` file: ``[3]:[3,4]`` → ([3], [3, 4])."""
    beads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fr, en = line.split(":")
        beads.append(
            (
                [int(i) for i in fr.strip("[]").split(",") if i],
                [int(i) for i in en.strip("[]").split(",") if i],
            )
        )
    return beads


def non_empty_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def check_side(side: Side, text: str) -> None:
    """The invariants of every side: indices, paragraph membership, body before footnotes, spans."""
    assert [s.index for s in side.sentences] == list(range(len(side.sentences)))
    assert [p.index for p in side.paragraphs] == list(range(len(side.paragraphs)))
    flat = [i for p in side.paragraphs for i in p.sentences]
    assert flat == list(range(len(side.sentences)))
    for paragraph in side.paragraphs:
        assert paragraph.sentences, "no empty paragraph"
        for i in paragraph.sentences:
            assert side.sentences[i].paragraph == paragraph.index
    footnote_flags = [p.footnote for p in side.paragraphs]
    assert footnote_flags == sorted(footnote_flags), "footnote paragraphs come after the body"
    for sentence in side.sentences:
        pieces = [text[span.start : span.end] for span in sentence.spans]
        assert sentence.text == " ".join(pieces)
        assert all(piece and piece == piece.strip() for piece in pieces)


# -- split_sentences: what stays one sentence ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # the seed's footnotes: volume and number references, a symbol, chapter and section
        ("Nations Unies, *Recueil des Traités*, vol. 2225, n° 39574.", "fr"),
        ("*Ibid.*, vol. 2237, n° 39574.", "fr"),
        ("Ibid., vol. 2171, n° 27531.", "fr"),
        ("E/2002/68/Add.1.", "fr"),
        (
            "Voir *Documents officiels de l'Assemblée générale, soixante et onzième session, "
            "Supplément n° 53 (A/71/53)*, chap. V, sect. A.",
            "fr",
        ),
        ("Voir CTOC/COP/2018/13, sect. I.A.", "fr"),
        # paragraph numbering and headings do not become sentences of their own
        (
            "1. *Exhorte* les États Membres qui ne l'ont pas encore fait à envisager de ratifier.",
            "fr",
        ),
        (
            "12. *Prend note* du fait que le Groupe s'est concentré, en 2019, sur la technologie ;",
            "fr",
        ),
        ("III. Exécution du budget", "fr"),
        ("IV.G. Évaluation des activités opérationnelles de développement", "fr"),
        ("a) Promouvoir la ratification universelle de la Convention,", "fr"),
        ("(a) To promote universal ratification of the Convention;", "en"),
        ("A. Méthodes de travail du Comité spécial", "fr"),
        # titles and initials (real UN sentences)
        (
            "La trente et unième session du Comité des programmes et des budgets sera ouverte "
            "par S. E. M. Abel Adelakun Ayoko (Nigéria), Président par intérim de la trentième "
            "session.",
            "fr",
        ),
        (
            "The thirty-first session of the Programme and Budget Committee will be opened by "
            "H.E. Mr. Abel Adelakun Ayoko (Nigeria) in his capacity as Acting Chairperson.",
            "en",
        ),
        (
            "Les mandats de Mme Dinić et MM. Hunte, Omran Al-Musawi, Sene et Seyoum venant à "
            "expiration le 31 décembre 2015, l'Assemblée générale sera appelée à nommer cinq "
            "personnes.",
            "fr",
        ),
        ("The report was written by J. K. Smith and Dr. Jones of the secretariat.", "en"),
        # references and Latin abbreviations
        (
            "Complaints received by IGTSS are monitored under the Sexual Harassment Act, "
            "Act No. 18561.",
            "en",
        ),
        (
            "Les locaux transitoires devront être aménagés dans le bâtiment du Secrétariat "
            "(ibid., par. 66).",
            "fr",
        ),
        ("See art. 3, para. 2, and Art. 5 of the Convention, e.g. Brazil, i.e. the host.", "en"),
        ("Les partenaires, p. ex. Les Amis du Fonds, ont contribué.", "fr"),
        ("The meeting of 3 Jan. 2015 adopted resolution A/RES/74/176 by consensus.", "en"),
        # decimals, dates and ranges
        (
            "The implementation has led to a 10.9 per cent increase (equivalent to $14.6 billion) "
            "in investments, and 1.5 million people benefited in 2015-2018.",
            "en",
        ),
        (
            "Rappelant qu'elle a adopté le Plan d'action mondial dans sa résolution 64/293 du "
            "30 juillet 2010, et soulignant qu'il importe qu'il soit appliqué intégralement,",
            "fr",
        ),
        # lower case after a stop: no new sentence
        ("Les États, les organisations, etc. ont été invités à participer.", "fr"),
        ("number of students per country, average age, etc. but not qualitative results.", "en"),
        ("Les organisations... et les États ont répondu.", "fr"),
        # omission in a quotation, and a company
        ("« Les États […] Les organisations doivent coopérer. »", "fr"),
        ("Empresa Argentina de Soluciones Satelitales S.A. (ARSAT)", "en"),
        # a full stop glued to the next character is no boundary
        ("Le site www.un.org.Le document A/C.3/74/L.11 est paru.", "fr"),
    ],
)
def test_one_sentence_is_not_split(text: str, lang: str) -> None:
    assert sentences_of(text, lang) == [text]


# -- split_sentences: where it splits ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentences", "lang"),
    [
        # align-dev lines that the gold aligns with two sentences of the other side
        (
            [
                "The contractual completion date of the project is February 2016.",
                "According to the administering Power, the opportunities enabled by air access "
                "should eventually make the island financially independent.",
            ],
            "en",
        ),
        (
            [
                "Veuillez fournir des renseignements sur l'écart salarial entre les hommes et les "
                "femmes.",
                "Dans son rapport, l'État partie a mentionné des cas de femmes qui ont perdu leur "
                "travail parce qu'elles étaient enceintes (par. 97).",
            ],
            "fr",
        ),
        (
            [
                "Italy implements that measure at both the governmental and the agency level.",
                "In particular, ASI operates under the Ministry of Education, Universities and "
                "Research.",
            ],
            "en",
        ),
        # "etc." ends a sentence when a capitalised sentence follows
        (["Il a parlé avec Mme Dupont, M. Smith, etc.", "Les États ont répondu."], "fr"),
        # a number or a symbol before the period
        (
            ["La Commission a adopté la résolution 2017/18.", "Elle s'est réunie en 2018."],
            "fr",
        ),
        (["See document A/74/127.", "The report was welcomed."], "en"),
        # a labelled annex, even after an elided article
        (
            [
                "La date des derniers rapports figure à l'annexe I.",
                "Mesure n° 5 : article VI du Traité",
            ],
            "fr",
        ),
        (["The list is contained in annex B.", "The Committee took note of it."], "en"),
        # quotations: the period inside or outside the closing quote
        (["Il a déclaré : « Nous partons. »", "Le Comité en a pris note."], "fr"),
        (["Elle est intitulée « Traite des personnes ».", "Le Conseil l'a adoptée."], "fr"),
        (
            ['The treaty says it is "placed in outer space."', "That is not the case."],
            "en",
        ),
        (["Il a dit : << Nous restons. >>", "Le débat a continué."], "fr"),
        (["The delegate asked: “Who pays?”", "Nobody answered."], "en"),
        # question and exclamation marks, French spacing included
        (["Que faire\u202f?", "Le Comité propose trois mesures\u00a0!", "Il conclut."], "fr"),
        # an ellipsis, a next sentence opening with a digit or a quote
        (["Les États, les organisations…", "Les autres ont voté contre."], "fr"),
        (["The meeting closed at 6 p.m.", "12 delegations stayed."], "en"),
        (["Il conclut.", "« Nous reviendrons », dit-il."], "fr"),
        # a footnote call that extraction left glued to the period
        (["The Protocol covers trafficking in persons.3", "It entered into force in 2003."], "en"),
    ],
)
def test_sentences_are_split_where_they_end(sentences: list[str], lang: str) -> None:
    assert sentences_of(" ".join(sentences), lang) == sentences


def test_spans_are_trimmed_offsets_into_the_paragraph() -> None:
    text = "\u00a0 12. *Prie* le Secrétaire général de faire rapport.\tIl  décide. \n"
    spans = split_sentences(text, "fr")
    assert spans == [(2, 52), (53, 64)]
    assert [text[a:b] for a, b in spans] == [
        "12. *Prie* le Secrétaire général de faire rapport.",
        "Il  décide.",
    ]


def test_blank_text_has_no_sentence() -> None:
    assert split_sentences(" \t\u00a0\ufeff\n", "fr") == []


def test_language_may_be_a_bcp47_tag() -> None:
    text = "Le Comité a pris note. Il a décidé."
    assert split_sentences(text, "fr-CA") == split_sentences(text, "fr")
    assert segment_presegmented("One.\n", "en-GB").lang == "en"


def test_every_unpc_sentence_stays_one_sentence(shared_dir: Path) -> None:
    """The UN Parallel Corpus devset is one sentence a line: none of its 8,000 lines is split."""
    for lang in ("fr", "en"):
        path = shared_dir / f"data/unpc-v1.0-devset/UNv1.0.devset.{lang}"
        split = [line for line in non_empty_lines(path) if len(split_sentences(line, lang)) != 1]
        assert split == [], lang


def test_consecutive_unpc_sentences_split_where_they_were_joined(shared_dir: Path) -> None:
    """Two corpus sentences put side by side split again exactly at the join (≈5,600 pairs)."""
    ends = re.compile(r"[.!?…][»”\"’)]*$")
    opens = re.compile(r"[«“\"]?\s*[A-ZÀ-Ý0-9]")
    for lang in ("fr", "en"):
        lines = [
            line.strip()
            for line in non_empty_lines(shared_dir / f"data/unpc-v1.0-devset/UNv1.0.devset.{lang}")
        ]
        pairs = [
            (a, b)
            for a, b in zip(lines, lines[1:], strict=False)
            if ends.search(a) and opens.match(b)
        ]
        assert len(pairs) > 2500
        wrong = [(a, b) for a, b in pairs if sentences_of(f"{a} {b}", lang) != [a, b]]
        assert wrong == [], lang


def test_align_dev_lines_split_as_the_gold_says(shared_dir: Path) -> None:
    """A line the gold links with n sentences of the other side ([3]:[3,4]) splits into n;
    every other line stays one sentence."""
    merged_checked = 0
    for gold in sorted((shared_dir / "data/align-dev/un").glob("*.gold")):
        lines = {lang: non_empty_lines(gold.with_suffix(f".{lang}")) for lang in ("fr", "en")}
        expected = {lang: [1] * len(lines[lang]) for lang in ("fr", "en")}
        for fr, en in gold_beads(gold):
            if len(fr) == 1 and len(en) > 1:
                expected["fr"][fr[0]] = len(en)
            if len(en) == 1 and len(fr) > 1:
                expected["en"][en[0]] = len(fr)
        for lang in ("fr", "en"):
            got = [len(split_sentences(line, lang)) for line in lines[lang]]
            assert got == expected[lang], gold.name
            merged_checked += sum(n > 1 for n in expected[lang])
    assert merged_checked >= 50


# -- segment_presegmented ------------------------------------------------------------------------


def test_presegmented_lines_are_sentences_and_blank_lines_paragraphs() -> None:
    text = "Premier. Deuxième.\nTroisième\n\n\n14-44103\n \t\nQuatrième.\n"
    side = segment_presegmented(text, "fr")
    check_side(side, text)
    assert [s.text for s in side.sentences] == [
        "Premier. Deuxième.",  # two sentences on a line stay one: the line is the unit
        "Troisième",
        "14-44103",
        "Quatrième.",
    ]
    assert [p.sentences for p in side.paragraphs] == [(0, 1), (2,), (3,)]
    assert [s.furniture for s in side.sentences] == [False, False, True, False]
    assert side.dropped == []


def test_presegmented_reads_windows_line_ends_bom_and_odd_whitespace() -> None:
    text = "\ufeffPremier.\r\n\u00a0Deuxième\f suite.\t\r\n\r\nTroisième.\rQuatrième."
    side = segment_presegmented(text, "fr")
    check_side(side, text)
    assert [s.text for s in side.sentences] == [
        "Premier.",
        "Deuxième\f suite.",  # a form feed inside a line does not split it
        "Troisième.",
        "Quatrième.",
    ]
    assert [p.sentences for p in side.paragraphs] == [(0, 1), (2, 3)]


def test_presegmented_keeps_every_align_dev_line_in_order(shared_dir: Path) -> None:
    for path in sorted((shared_dir / "data/align-dev/un").glob("*.[fe][rn]")):
        text = path.read_text(encoding="utf-8")
        side = segment_presegmented(text, path.suffix[1:])
        check_side(side, text)
        assert [s.text for s in side.sentences] == [line.strip() for line in non_empty_lines(path)]
        blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
        assert len(side.paragraphs) == len(blocks), path.name


def test_presegmented_flags_the_furniture_the_gold_leaves_unaligned(shared_dir: Path) -> None:
    """Furniture lines of align-dev are flagged; no line the gold aligns is."""
    flagged = 0
    for gold in sorted((shared_dir / "data/align-dev/un").glob("*.gold")):
        unaligned: dict[str, set[int]] = {"fr": set(), "en": set()}
        for fr, en in gold_beads(gold):
            if not en:
                unaligned["fr"].update(fr)
            if not fr:
                unaligned["en"].update(en)
        for lang in ("fr", "en"):
            side = segment_presegmented(gold.with_suffix(f".{lang}").read_text("utf-8"), lang)
            for sentence in side.sentences:
                if sentence.furniture:
                    assert sentence.index in unaligned[lang], (gold.name, sentence.text)
                    flagged += 1
                elif re.fullmatch(
                    r"\d{2}-\d{5}( \(F\))?|\*\d{2}-\d{5}\*|Distr\. générale", sentence.text
                ):
                    pytest.fail(f"furniture not flagged: {sentence.text!r} in {gold.name}")
    assert flagged > 200


# -- is_furniture ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "19-17836 (F)",
        "14-44103",
        "1917836F",
        "*1917836*",
        "*14-44103*",
        "19-17836 (F)    181019    211019    *1917836*",
        "GE.19-12345(F)",
        "A/C.3/74/L.11",
        "A/RES/74/176",
        "E/2018/30",
        "E/CN.6/2015/NGO/59",
        "UNEP/POPS/COP.7/36",
        "A/74/127/ADD.1",
        "Nations Unies A/C.3/74/L.11",
        "2/10",
        "- 3 -",
        "Page 4",
        "Distr. générale",
        "Distr. limitée",
        "Distr.: General",
        "Veuillez recycler",
        "Please recycle ♲",
        "Français",
        "Original : anglais",
        "Original: English",
        "  2/10\t",
    ],
)
def test_page_furniture_is_recognised(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Résolution 70/1.",
        "¹³ A/74/127.",
        "A/74/127.",  # with its period it is a sentence (a footnote without its mark), not a header
        "HIV/AIDS",
        "2015-2018",
        "3",  # a bare number may be a table cell
        "181019",
        "Total",
        "Assemblée générale",
        "10 octobre 2019",
        "Le Comité a examiné le document A/74/127.",
        "Point 106 de l'ordre du jour",
    ],
)
def test_text_is_not_furniture(line: str) -> None:
    assert not is_furniture(line)


# -- segment_raw on the seed ---------------------------------------------------------------------


def sentence_containing(side: Side, needle: str) -> int:
    found = [s.index for s in side.sentences if needle in s.text]
    assert len(found) == 1, (needle, found)
    return found[0]


def test_seed_sentence_cut_by_a_page_break_is_one_sentence(seed_document: str) -> None:
    side = segment_raw(seed_document, "fr")
    sentence = side.sentences[
        sentence_containing(side, "qui définit le crime de traite des personnes,")
    ]
    assert sentence.text.startswith("Rappelant également la Convention des Nations Unies")
    assert sentence.text.endswith("institutions et pratiques analogues à l'esclavage⁵,")
    first, second = (seed_document[span.start : span.end] for span in sentence.spans)
    assert first.endswith("en particulier des femmes et des enfants³, qui définit")
    assert second.startswith("le crime de traite des personnes, le Protocole facultatif")
    # the footnotes printed between the two halves are not part of it
    assert "Résolution 70/1" not in sentence.text
    assert side.paragraphs[sentence.paragraph].sentences == (sentence.index,)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("« Traite des personnes, en particulier des femmes et des", "enfants : protéger les"),
        ("intéressés à", "participer, selon qu'il conviendra"),
        ("le Département des", "opérations de paix du Secrétariat"),
        ("sur la traite des êtres", "humains et le trafic de migrants"),
        ("dans la lutte contre la", "traite des personnes, et prie instamment"),
        ("invite également les États Membres et les autres", "donateurs internationaux"),
    ],
)
def test_seed_paragraphs_cut_by_page_breaks_are_mended(
    seed_document: str, before: str, after: str
) -> None:
    side = segment_raw(seed_document, "fr")
    sentence = side.sentences[sentence_containing(side, f"{before} {after}")]
    assert len(sentence.spans) == 2


def test_seed_footnotes_are_lifted_after_the_body(seed_document: str) -> None:
    side = segment_raw(seed_document, "fr")
    check_side(side, seed_document)
    footnote_texts = [side.sentences[p.sentences[0]].text for p in side.footnotes]
    assert len(footnote_texts) == 16
    assert footnote_texts[0] == "¹ Résolution 70/1."
    assert footnote_texts[1] == "² Nations Unies, *Recueil des Traités*, vol. 2225, n° 39574."
    assert footnote_texts[-1] == "¹⁶ Résolution 64/293."
    # each footnote is a paragraph of its own, one sentence here
    assert all(len(p.sentences) == 1 for p in side.footnotes)
    body = [side.sentences[i].text for p in side.body for i in p.sentences]
    assert not any("Résolution 70/1." in text or "Ibid." in text for text in body)
    # the calls stay in the body text
    assert any("à l'horizon 2030¹, dans lequel" in text for text in body)
    assert body[-1].startswith("26. *Prie* le Secrétaire général")


def test_seed_paragraphs_and_headings_stay_apart(seed_document: str) -> None:
    side = segment_raw(seed_document, "fr")
    texts = [side.sentences[i].text for p in side.body for i in p.sentences]
    assert "L'Assemblée générale," in texts
    assert "Amélioration de la coordination de l'action contre la traite des personnes" in texts
    items = [text[:2] for text in texts if re.match(r"[a-f]\) ", text)]
    assert items == ["a)", "b)", "c)", "d)", "e)", "f)"]
    numbered = [int(m.group(1)) for text in texts if (m := re.match(r"(\d+)\. \*", text))]
    assert numbered == list(range(1, 27))
    assert len(side.body) == 74


def test_seed_header_furniture_is_dropped(seed_document: str) -> None:
    side = segment_raw(seed_document, "fr")
    dropped = [seed_document[span.start : span.end] for span in side.dropped]
    assert dropped == ["Distr. limitée", "Français", "Original : anglais"]
    assert not any("Distr." in s.text or "Original" in s.text for s in side.sentences)


def test_synthetic_page_furniture_is_dropped_and_recorded(seed_document: str) -> None:
    page_break = "\n\n19-17836\t\t2/10\n*1917836*\n\n A/C.3/74/L.11\n\f"
    cut = seed_document.index("³ *Ibid.*, vol. 2237, n° 39574.")
    cut = seed_document.index("\n", cut)
    text = seed_document[:cut] + page_break + seed_document[cut:]
    side = segment_raw(text, "fr")
    check_side(side, text)
    dropped = [text[span.start : span.end] for span in side.dropped]
    assert dropped[3:] == ["19-17836\t\t2/10", "*1917836*", "A/C.3/74/L.11"]
    assert not any("17836" in s.text or "L.11" in s.text for s in side.sentences)
    # the sentence across that page break is still one
    index = sentence_containing(side, "qui définit le crime de traite des personnes,")
    assert len(side.sentences[index].spans) == 2
    # and nothing else changed
    assert [s.text for s in side.sentences] == [
        s.text for s in segment_raw(seed_document, "fr").sentences
    ]


def covered(side: Side, size: int) -> list[bool]:
    marks = [False] * size
    for sentence in side.sentences:
        for span in sentence.spans:
            for i in range(span.start, span.end):
                assert not marks[i], "spans overlap"
                marks[i] = True
    return marks


def test_seed_nothing_is_lost(seed_document: str) -> None:
    """Every non-blank character is in exactly one sentence span or in a dropped furniture span."""
    side = segment_raw(seed_document, "fr")
    marks = covered(side, len(seed_document))
    for span in side.dropped:
        assert not any(marks[span.start : span.end])
        marks[span.start : span.end] = [True] * (span.end - span.start)
    lost = [i for i, c in enumerate(seed_document) if not c.isspace() and not marks[i]]
    assert lost == []


def test_seed_with_windows_line_ends_bom_and_form_feeds_segments_the_same(
    seed_document: str,
) -> None:
    reference = [s.text for s in segment_raw(seed_document, "fr").sentences]
    variant = "\ufeff" + seed_document.replace("\n\n\n\n", "\n\f\n").replace("\n", "\r\n")
    side = segment_raw(variant, "fr")
    check_side(side, variant)
    assert [s.text for s in side.sentences] == reference


def test_raw_multi_line_block_is_one_paragraph_with_a_span_per_line() -> None:
    text = "Soixante-quatorzième session\nTroisième Commission\r\n\tPoint 106 de l'ordre du jour\n"
    side = segment_raw(text, "fr")
    check_side(side, text)
    assert len(side.paragraphs) == 1
    (sentence,) = side.sentences
    assert sentence.text == (
        "Soixante-quatorzième session Troisième Commission Point 106 de l'ordre du jour"
    )
    assert [text[s.start : s.end] for s in sentence.spans] == [
        "Soixante-quatorzième session",
        "Troisième Commission",
        "Point 106 de l'ordre du jour",
    ]


def test_raw_sentences_inside_a_paragraph_get_their_own_spans() -> None:
    text = (
        "Le Comité a pris note du rapport. Il a décidé de\npoursuivre l'examen. Il s'est réuni.\n"
    )
    side = segment_raw(text, "fr")
    assert [s.text for s in side.sentences] == [
        "Le Comité a pris note du rapport.",
        "Il a décidé de poursuivre l'examen.",
        "Il s'est réuni.",
    ]
    assert [[text[s.start : s.end] for s in x.spans] for x in side.sentences] == [
        ["Le Comité a pris note du rapport."],
        ["Il a décidé de", "poursuivre l'examen."],
        ["Il s'est réuni."],
    ]


def test_raw_empty_document_is_an_empty_side() -> None:
    side = segment_raw("\ufeff\n \n\f\n", "en")
    assert (side.sentences, side.paragraphs, side.dropped) == ([], [], [])


# -- robustness -----------------------------------------------------------------------------------


def test_any_text_keeps_the_invariants_and_loses_nothing() -> None:
    """Random mixes of UN-text fragments and odd characters: every side is well formed, every
    non-blank character is in exactly one sentence span or one dropped span."""
    fragments = [
        *"aAéÉ .,;:!?…»«“”\"'()[]*_¹²⁰15/-\n\n\r\f\t\u00a0\ufeff",
        "M. ",
        "etc. ",
        "1. ",
        "a) ",
        "19-17836",
        "2/10",
        "¹ Résolution 70/1.",
        " de\n\n",
        "1 Note.",
        "Crime1 ",
    ]
    rng = random.Random(2019)
    for _ in range(2000):
        text = "".join(rng.choice(fragments) for _ in range(rng.randint(0, 60)))
        for segment in (segment_raw, segment_presegmented):
            side = segment(text, "fr")
            check_side(side, text)
            owners = [0] * len(text)
            for span in [s for sentence in side.sentences for s in sentence.spans] + side.dropped:
                for i in range(span.start, span.end):
                    owners[i] += 1
            assert all(
                owners[i] == 1 if not (c.isspace() or c == "\ufeff") else owners[i] <= 1
                for i, c in enumerate(text)
            ), repr(text)
