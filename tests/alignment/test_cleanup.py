"""Clean-up of UN documents extracted from print: furniture, footnotes, paragraphs cut by pages."""

from __future__ import annotations

from alignment.cleanup import CleanDocument, clean, primary_language, strip_bounds


def paragraphs(document: CleanDocument, text: str) -> list[tuple[list[str], bool]]:
    """Each paragraph as (its pieces of text, whether it is a footnote)."""
    return [
        ([text[span.start : span.end] for span in paragraph.pieces], paragraph.footnote)
        for paragraph in document.paragraphs
    ]


def dropped(document: CleanDocument, text: str) -> list[str]:
    return [text[span.start : span.end] for span in document.dropped]


# -- paragraphs ----------------------------------------------------------------------------------


def test_blank_lines_separate_paragraphs_and_lines_of_a_block_stay_together() -> None:
    text = "Assemblée générale\n\nSoixante-quatorzième session\nTroisième Commission\n\n\nFin."
    assert paragraphs(clean(text, "fr"), text) == [
        (["Assemblée générale"], False),
        (["Soixante-quatorzième session", "Troisième Commission"], False),
        (["Fin."], False),
    ]


def test_a_form_feed_is_a_page_break_even_without_blank_lines() -> None:
    text = "Rappelant sa résolution 72/195,\fConsidérant que la traite persiste,"
    assert paragraphs(clean(text, "fr"), text) == [
        (["Rappelant sa résolution 72/195,"], False),
        (["Considérant que la traite persiste,"], False),
    ]


def test_windows_line_ends_bom_tabs_and_no_break_spaces_are_trimmed_off_pieces() -> None:
    text = "\ufeff\tL'Assemblée générale,\u00a0\r\n\r\n\u202f1.\t*Exhorte* les États ;\r\n"
    assert paragraphs(clean(text, "fr"), text) == [
        (["L'Assemblée générale,"], False),
        (["1.\t*Exhorte* les États ;"], False),
    ]


def test_strip_bounds_trims_whitespace_and_byte_order_marks() -> None:
    text = "\ufeff \u00a0texte\u200b\t"
    assert strip_bounds(text, 0, len(text)) == (3, 8)
    assert strip_bounds("   ", 0, 3) == (3, 3)


def test_language_tags_reduce_to_their_primary_subtag() -> None:
    assert primary_language("fr-CA") == "fr"
    assert primary_language("EN_gb") == "en"
    assert primary_language("fr") == "fr"


# -- page breaks ---------------------------------------------------------------------------------


def test_a_paragraph_cut_by_a_page_break_is_joined_past_footnotes_and_furniture() -> None:
    text = (
        "Rappelant la Convention², le Protocole³, qui définit\n\n"
        "² Nations Unies, *Recueil des Traités*, vol. 2225, n° 39574.\n"
        "³ Ibid., vol. 2237, n° 39574.\n\n"
        "19-17836\f2/10\n\n"
        "le crime de traite des personnes,\n\n"
        "Prenant acte du rapport,\n"
    )
    document = clean(text, "fr")
    assert paragraphs(document, text) == [
        (
            [
                "Rappelant la Convention², le Protocole³, qui définit",
                "le crime de traite des personnes,",
            ],
            False,
        ),
        (["Prenant acte du rapport,"], False),
        (["² Nations Unies, *Recueil des Traités*, vol. 2225, n° 39574."], True),
        (["³ Ibid., vol. 2237, n° 39574."], True),
    ]
    assert dropped(document, text) == ["19-17836", "2/10"]


def test_a_paragraph_ending_on_a_dangling_word_is_joined_even_to_a_capital() -> None:
    text = "Invite les États parties à la\n\nConvention à la ratifier ;\n"
    assert paragraphs(clean(text, "fr"), text) == [
        (["Invite les États parties à la", "Convention à la ratifier ;"], False)
    ]
    english = "Calls upon States parties to the\n\nConvention to ratify it;\n"
    assert len(clean(english, "en").paragraphs) == 1


def test_an_elided_article_is_a_dangling_word() -> None:
    text = "Prend note de l’\n\nAccord de Paris ;\n"
    assert len(clean(text, "fr").paragraphs) == 1


def test_a_paragraph_ending_with_terminal_punctuation_is_not_joined_to_the_next() -> None:
    for ending in (";", ".", ":", "»", ")", "¹⁵;", " ?", " !"):
        text = f"Rappelant sa résolution 72/195{ending}\n\nle texte suivant\n"
        assert len(clean(text, "fr").paragraphs) == 2, ending


def test_a_comma_does_not_end_a_paragraph_that_goes_on_in_lower_case() -> None:
    text = (
        "Rappelant les résolutions 61/180, 64/178,\n\n70/179 et 72/195, et\n\n"
        "ses autres résolutions,\n"
    )
    assert paragraphs(clean(text, "fr"), text) == [
        (["Rappelant les résolutions 61/180, 64/178,"], False),
        (["70/179 et 72/195, et", "ses autres résolutions,"], False),
    ]


def test_a_heading_is_not_joined_to_the_paragraph_after_it() -> None:
    text = (
        "Amélioration de la coordination de l'action contre la traite des personnes\n\n"
        "L'Assemblée générale,\n"
    )
    assert len(clean(text, "fr").paragraphs) == 2


def test_a_lettered_item_is_not_a_continuation() -> None:
    text = (
        "a) Promouvoir la ratification universelle de la Convention,\n\n"
        "b) Aider les États Membres à renforcer leurs engagements\n\n"
        "(iv) examiner les rapports\n\n"
        "c. intensifier la coopération\n"
    )
    assert len(clean(text, "fr").paragraphs) == 4


def test_a_numbered_paragraph_is_not_joined_even_after_a_dangling_word() -> None:
    text = "Prie le Secrétaire général de\n\n2. *Décide* de rester saisie de la question.\n"
    assert len(clean(text, "fr").paragraphs) == 2


# -- footnotes -----------------------------------------------------------------------------------


def test_superscript_footnotes_go_after_the_body_in_order() -> None:
    text = (
        "Rappelant le Programme 2030¹,\n\n"
        "¹ Résolution 70/1.\n\n"
        "Rappelant la Déclaration de New York¹¹,\n\n"
        "¹¹ Résolution 71/1.\n"
    )
    assert paragraphs(clean(text, "fr"), text) == [
        (["Rappelant le Programme 2030¹,"], False),
        (["Rappelant la Déclaration de New York¹¹,"], False),
        (["¹ Résolution 70/1."], True),
        (["¹¹ Résolution 71/1."], True),
    ]


def test_footnote_lines_right_after_the_body_line_start_their_own_paragraphs() -> None:
    text = "Prenant acte du rapport¹³,\n¹³ A/74/127.\n¹⁴ A/HRC/41/46.\n"
    assert paragraphs(clean(text, "fr"), text) == [
        (["Prenant acte du rapport¹³,"], False),
        (["¹³ A/74/127."], True),
        (["¹⁴ A/HRC/41/46."], True),
    ]


def test_a_footnote_goes_on_over_its_following_lines() -> None:
    text = (
        "Se félicitant de la Déclaration¹⁰,\n\n"
        "¹⁰ Voir *Documents officiels de l'Assemblée générale,\n"
        "soixante et onzième session*, chap. V.\n"
    )
    assert paragraphs(clean(text, "fr"), text)[1] == (
        [
            "¹⁰ Voir *Documents officiels de l'Assemblée générale,",
            "soixante et onzième session*, chap. V.",
        ],
        True,
    )


def test_plain_number_footnotes_are_lifted_when_called_and_in_sequence() -> None:
    text = (
        "Recalling the Convention against Transnational Organized Crime,1 and\n\n"
        "1 United Nations, Treaty Series, vol. 2225, No. 39574.\n\n"
        "the Protocol thereto.2\n\n"
        "2 Ibid., vol. 2237, No. 39574.\n"
    )
    assert paragraphs(clean(text, "en"), text) == [
        (
            [
                "Recalling the Convention against Transnational Organized Crime,1 and",
                "the Protocol thereto.2",
            ],
            False,
        ),
        (["1 United Nations, Treaty Series, vol. 2225, No. 39574."], True),
        (["2 Ibid., vol. 2237, No. 39574."], True),
    ]


def test_plain_number_footnotes_may_answer_superscript_calls() -> None:
    text = "Rappelant le Programme 2030¹,\n\n1 Résolution 70/1.\n"
    assert paragraphs(clean(text, "fr"), text)[1] == (["1 Résolution 70/1."], True)


def test_a_line_starting_with_a_number_is_body_text_unless_it_is_clearly_a_footnote() -> None:
    text = (
        "The Committee noted the figures below (see A/70/1, para. 3).\n\n"
        "1 Afghanistan\n\n"  # called nowhere: "para. 3" and "A/70/1" are references, not calls
        "12 States replied to the questionnaire.\n\n"  # out of sequence
        "2015 was the first year.\n"
    )
    assert all(not footnote for _, footnote in paragraphs(clean(text, "en"), text))


# -- furniture -----------------------------------------------------------------------------------


def test_furniture_lines_are_dropped_and_recorded_wherever_they_are() -> None:
    text = (
        "Nations Unies A/C.3/74/L.11\n"
        "Assemblée générale\n"
        "Distr. limitée\n"
        "10 octobre 2019\n"
        "Français\n"
        "Original : anglais\n\n"
        "Le texte.\n\n"
        "- 3 -\n\n"
        "Veuillez recycler\n"
    )
    document = clean(text, "fr")
    assert dropped(document, text) == [
        "Nations Unies A/C.3/74/L.11",
        "Distr. limitée",
        "Français",
        "Original : anglais",
        "- 3 -",
        "Veuillez recycler",
    ]
    assert paragraphs(document, text) == [
        (["Assemblée générale"], False),
        (["10 octobre 2019"], False),
        (["Le texte."], False),
    ]


def test_seed_clean_up_keeps_every_line_once(seed_document: str) -> None:
    """Every non-blank line of the seed is a piece of one paragraph or dropped furniture."""
    document = clean(seed_document, "fr")
    pieces = [seed_document[s.start : s.end] for p in document.paragraphs for s in p.pieces]
    lines = [line.strip() for line in seed_document.splitlines() if line.strip()]
    assert sorted(pieces + dropped(document, seed_document)) == sorted(lines)
    assert sum(p.footnote for p in document.paragraphs) == 16
