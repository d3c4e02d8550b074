"""Normalisation of terms, queries and running text into comparable keys.

A *key* is what two spellings of the same term have in common: the lower-cased word tokens, with
typographic variants (apostrophes, hyphens, non-breaking spaces, footnote marks, markdown emphasis)
reduced to token boundaries, plural inflection folded, and a leading article dropped. Accents are
kept in the exact key ("traite" is not "traité") and folded only in the fuzzy key.

Tokens keep their character offsets into the original text, so recognition can point back into
what the user pasted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Letters (with any combining marks, for text that arrives decomposed) or runs of decimal digits.
# Everything else -- spaces of every kind, apostrophes, hyphens, dashes, punctuation, asterisks,
# superscript footnote marks -- separates tokens.
_TOKEN_RE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+|\d+|(?P<stop>[.!?;]|\n[^\S\n]*\n)")

# A sentence or paragraph boundary becomes a token of its own, so no term is ever matched across
# one ("... la traite. Des personnes ..."). A full stop counts only before a capital letter, which
# keeps "No. 29" and "p. ex." whole.
BOUNDARY = "¶"

# Superscript and subscript digits count as letters for `\w`; footnote marks must not glue onto
# the word they follow ("2030¹"), so they are blanked first (one character for one, offsets kept).
_NON_WORD_NUMERALS = str.maketrans({c: " " for c in "⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉½¼¾"})

# Leading articles and elided determiners dropped from the start of a key, so "les États Membres"
# and "l'Office ..." find "États Membres" and "Office ...".
_APOSTROPHES = frozenset("'’ʼ‘`´")

_LEADING_ARTICLES = {
    "fr": frozenset({"le", "la", "les", "l", "un", "une", "des", "du"}),
    "en": frozenset({"the", "a", "an"}),
}

# The article UNTERM (and ISO 3166's French and Spanish lists) put in brackets after a country's
# name, "Côte d'Ivoire (la)", "Afghanistan (l')", "Bahamas (the)": dropped from the end of a key,
# so that "Côte d'Ivoire" and "la Côte d'Ivoire" find it.
_TRAILING_ARTICLE = {
    "fr": re.compile(r"\s*\((?:l['’ʼ]|la|le|les)\)\s*$", re.IGNORECASE),
    "en": re.compile(r"\s*\(the\)\s*$", re.IGNORECASE),
    "es": re.compile(r"\s*\((?:el|la|los|las)\)\s*$", re.IGNORECASE),
}

_EN_IRREGULAR = {
    "women": "woman",
    "men": "man",
    "children": "child",
    "feet": "foot",
    "mice": "mouse",
    "criteria": "criterion",
    "data": "datum",
}
_EN_KEEP = frozenset(
    {
        "us",
        "its",
        "this",
        "his",
        "was",
        "has",
        "is",
        "as",
        "thus",
        "series",
        "species",
        "means",
        "news",
        "aids",
        "hiv",
    }
)
_FR_KEEP = frozenset(
    {
        "les",
        "des",
        "ses",
        "ces",
        "mes",
        "tes",
        "nos",
        "vos",
        "leurs",
        "plus",
        "sous",
        "vers",
        "sans",
        "dans",
        "mais",
        "puis",
        "trois",
        "tous",
        "fois",
        "pays",
        "temps",
        "corps",
        "lors",
        "jus",
        "bras",
        "succès",
        "processus",
        "prix",
        "voix",
        "choix",
        "paix",
        "croix",
        "deux",
        "mieux",
        "ceux",
        "eux",
        "aux",
        "jeux",
    }
)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: its folded form and where it stands in the original string."""

    form: str
    start: int
    end: int


def primary_language(tag: str) -> str:
    """The primary subtag of a BCP 47 tag, lower-cased: ``fr-CA`` -> ``fr``."""
    return tag.split("-", 1)[0].lower()


@lru_cache(maxsize=50_000)
def fold_inflection(word: str, lang: str) -> str:
    """Fold plural (and a few irregular) forms onto one form; an inflection-light stemmer.

    It deliberately stops at number: gender and verb forms are separate terms in a termbase, and a
    stronger stemmer would merge "traite" with "traité" or "organs" with "Organization".
    """
    if word.isdigit() or len(word) < 4:
        return word
    if lang == "en":
        if word in _EN_IRREGULAR:
            return _EN_IRREGULAR[word]
        if word in _EN_KEEP:
            return word
        if word.endswith("ies") and len(word) > 4:
            return word[:-3] + "y"
        if word.endswith(("sses", "xes", "ches", "shes", "zzes")):
            return word[:-2]
        if word.endswith("s") and not word.endswith(("ss", "us", "is")):
            return word[:-1]
        return word
    if lang == "fr":
        if word in _FR_KEEP:
            return word
        if word.endswith("eaux"):
            return word[:-1]
        if word.endswith("aux") and len(word) > 4:
            return word[:-3] + "al"
        if word.endswith(("s", "x")) and not word.endswith(("ss", "us")):
            return word[:-1]
        return word
    return word


def tokenize(text: str, lang: str) -> list[Token]:
    """Split ``text`` into folded word tokens with their offsets into ``text``."""
    forms, starts, ends = token_columns(text, lang)
    return [Token(f, s, e) for f, s, e in zip(forms, starts, ends, strict=True)]


def token_columns(text: str, lang: str) -> tuple[list[str], list[int], list[int]]:
    """:func:`tokenize` as three parallel lists (forms, starts, ends): no object per token,
    which is what recognition over long texts wants."""
    lang = primary_language(lang)
    blanked = text.translate(_NON_WORD_NUMERALS)
    forms: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for match in _TOKEN_RE.finditer(blanked):
        start, end = match.span()
        if match.lastgroup == "stop":
            if _is_boundary(blanked, match) and forms and forms[-1] != BOUNDARY:
                forms.append(BOUNDARY)
                starts.append(start)
                ends.append(end)
            continue
        form = _form(match.group(), lang)
        if form == "s" and lang == "en" and forms and blanked[start - 1] in _APOSTROPHES:
            # English possessive: "Children's" keys like "Childrens"/"Children".
            continue
        forms.append(form)
        starts.append(start)
        ends.append(end)
    return forms, starts, ends


@lru_cache(maxsize=100_000)
def _form(raw: str, lang: str) -> str:
    """A word as it stands in keys: NFC, lower case, inflection folded."""
    if not raw.isascii():
        raw = unicodedata.normalize("NFC", raw)
    return fold_inflection(raw.lower(), lang)


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    mark = match.group()
    if mark == ";" or mark.startswith("\n"):
        return True
    following = text[match.end() : match.end() + 12].lstrip(" \t\u00a0\u202f*_«“\"'(")
    return match.end() < len(text) and text[match.end()].isspace() and following[:1].isupper()


# The words of a text (the _TOKEN_RE without its stops), and what needs the full tokenizer: a
# stop (a boundary token), or an English possessive "'s" (dropped there).
_WORD_RE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+|\d+")
_NEEDS_TOKENIZER = re.compile(r"[.!?;]|\n[^\S\n]*\n|['’ʼ‘`´]s")


def key_forms(text: str, lang: str) -> list[str]:
    """The token forms of a term's key: tokens of ``text`` without a leading article (nor an
    article in brackets at its end: "Côte d'Ivoire (la)")."""
    primary = primary_language(lang)
    trailing = _TRAILING_ARTICLE.get(primary)
    if trailing is not None and text.endswith(")"):
        bare = trailing.sub("", text)
        if bare.strip():
            text = bare
    blanked = text.translate(_NON_WORD_NUMERALS)
    if _NEEDS_TOKENIZER.search(blanked):
        forms = token_columns(text, lang)[0]
    else:  # most terms: the same forms as token_columns, without a Python step per match
        forms = [_form(word, primary) for word in _WORD_RE.findall(blanked)]
    articles = _LEADING_ARTICLES.get(primary, frozenset())
    while forms and forms[-1] == BOUNDARY:
        forms.pop()
    while forms and forms[0] == BOUNDARY:
        forms.pop(0)
    while len(forms) > 1 and forms[0] in articles:
        forms.pop(0)
    return forms


def match_key(text: str, lang: str) -> str:
    """The exact-match key of a term or query.

    ``"l'Office des Nations Unies"`` -> ``"office des nation unie"``.
    """
    return " ".join(key_forms(text, lang))


class _AccentFolding(dict[int, str]):
    """A ``str.translate`` table that works out each character's folding once, on first sight."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        folded = _LIGATURES.get(char)
        if folded is None:
            decomposed = unicodedata.normalize("NFKD", char)
            folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        self[codepoint] = folded
        return folded


_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}
_ACCENT_FOLDING = _AccentFolding()


def strip_accents(text: str) -> str:
    """Remove diacritics and spell out ligatures: ``États œuvre`` -> ``Etats oeuvre``."""
    return text if text.isascii() else text.translate(_ACCENT_FOLDING)


def fuzzy_key(text: str, lang: str) -> str:
    """The key used by fuzzy matching: the exact key with accents folded too."""
    return strip_accents(match_key(text, lang))
