"""Keys: what two spellings of one term must have in common, and what they must not."""

import pytest

from termbase.normalize import BOUNDARY, fuzzy_key, match_key, tokenize


@pytest.mark.parametrize(
    ("variant", "canonical", "lang"),
    [
        ("TRAITE DES PERSONNES", "traite des personnes", "fr"),
        ("traites des personnes", "traite des personnes", "fr"),
        ("les États Membres", "États Membres", "fr"),
        ("l’Office des Nations Unies", "Office des Nations Unies", "fr"),
        ("l'Office des Nations Unies", "Office des Nations Unies", "fr"),
        ("Haut‑Commissariat", "Haut-Commissariat", "fr"),  # non-breaking hyphen
        ("Haut–Commissariat", "Haut-Commissariat", "fr"),  # en dash
        ("États\u00a0Membres", "États Membres", "fr"),
        ("États\u202fMembres", "États Membres", "fr"),
        ("organisations internationales", "organisation internationale", "fr"),
        ("droits fondamentaux", "droit fondamental", "fr"),
        ("Member State", "Member States", "en"),
        ("the Member States", "Member States", "en"),
        ("United Nations Children’s Fund", "United Nations Children's Fund", "en"),
        ("law enforcement agency", "law enforcement agencies", "en"),
        ("*Demande* aux États Membres", "Demande aux États Membres", "fr"),
    ],
)
def test_spelling_variants_share_a_key(variant: str, canonical: str, lang: str) -> None:
    assert match_key(variant, lang) == match_key(canonical, lang)


@pytest.mark.parametrize(
    ("one", "other", "lang"),
    [
        ("traite", "traité", "fr"),  # trafficking is not a treaty
        ("Etats Membres", "États Membres", "fr"),  # accents only fold in fuzzy keys
        ("organs", "Organization", "en"),
        ("trafic de migrants", "traite des migrants", "fr"),
    ],
)
def test_different_terms_keep_different_keys(one: str, other: str, lang: str) -> None:
    assert match_key(one, lang) != match_key(other, lang)


def test_fuzzy_key_folds_accents_and_ligatures() -> None:
    assert fuzzy_key("Etats Membres", "fr") == fuzzy_key("États Membres", "fr")
    assert fuzzy_key("mise en œuvre", "fr") == "mise en oeuvre"


def test_tokens_point_back_into_the_original_text() -> None:
    text = "à l’horizon 2030¹, les États\u00a0Membres"
    tokens = tokenize(text, "fr")
    assert [text[t.start : t.end] for t in tokens] == [
        "à",
        "l",
        "horizon",
        "2030",
        "les",
        "États",
        "Membres",
    ]


def test_decomposed_accents_are_one_token() -> None:
    decomposed = "E\u0301tats Membres"
    assert match_key(decomposed, "fr") == match_key("États Membres", "fr")
    assert tokenize(decomposed, "fr")[0].end == 6


def test_sentence_and_paragraph_boundaries_are_tokens() -> None:
    forms = [t.form for t in tokenize("contre la traite. Des personnes ;\n\nla suite", "fr")]
    assert forms.count(BOUNDARY) == 2
    # an abbreviation or "No. 29" is not a boundary
    assert BOUNDARY not in [
        t.form for t in tokenize("Convention, 1930 (No. 29) et p. ex. la", "en")
    ]


def test_the_fast_key_is_the_tokenizers_key() -> None:
    """key_forms skips the tokenizer for plain terms; it must give what the tokenizer gives."""
    import random

    from termbase.normalize import _LEADING_ARTICLES, BOUNDARY, key_forms, token_columns

    def by_tokenizer(text: str, lang: str) -> list[str]:
        forms = token_columns(text, lang)[0]
        articles = _LEADING_ARTICLES.get(lang.split("-")[0], frozenset())
        while forms and forms[-1] == BOUNDARY:
            forms.pop()
        while forms and forms[0] == BOUNDARY:
            forms.pop(0)
        while len(forms) > 1 and forms[0] in articles:
            forms.pop(0)
        return forms

    alphabet = "aAeé'’s. ;!?-\n09 ¹²ʼ`´«»\"()*_xÉœﬁ\u0301\u00a0\u202f"
    generator = random.Random(7)
    for _ in range(20_000):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 14)))
        lang = generator.choice(["en", "fr", "fr-CA", "es"])
        assert key_forms(text, lang) == by_tokenizer(text, lang), (text, lang)
