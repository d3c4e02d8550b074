"""Words, stems and highlights for the concordance.

PostgreSQL stems with its ``french`` and ``english`` text-search configurations, which are the
Snowball stemmers; SQLite has no French stemmer of its own, so the stems are computed here with
the same Snowball algorithms (``snowballstemmer``) and stored in an FTS5 table beside the
unstemmed one (migration ``0005_segment_stems``). A word's stem is taken from its lower-case form
and then stripped of its diacritics: "migrant" finds "migrants", "Etats" finds "États", and the
exact accents only weigh in the ranking.

The same functions mark what matched in a result (``highlight``), on both databases.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# A word: letters and digits; apostrophes and hyphens separate words ("l'exploitation",
# "Haut-Commissariat"), as PostgreSQL's parser and FTS5's unicode61 tokenizer do.
WORD_RE = re.compile(r"\w+")
STEMMERS = {"fr": "french", "en": "english"}


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(STEMMERS[lang])


def fold(word: str) -> str:
    """Lower case without diacritics: "États" -> "etats"."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """The folded Snowball stem of one word ("migrants" -> "migr", "Traité" -> "trait")."""
    return fold(_stemmer(lang).stemWord(word.lower()))


def stem_text(text: str, lang: str) -> str:
    """The text as space-separated stems: what the SQLite stem index stores."""
    return " ".join(stem(m.group(), lang) for m in WORD_RE.finditer(text))


def stems(text: str, lang: str) -> list[str]:
    return [stem(m.group(), lang) for m in WORD_RE.finditer(text)]


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a result is highlighted for: sequences of stems (a word, a phrase, a term) and
    prefixes (``migra*``, folded)."""

    sequences: tuple[tuple[str, ...], ...]
    prefixes: tuple[str, ...] = ()


def highlight(text: str, lang: str, wanted: Wanted) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match: each stem sequence where it occurs word for word,
    each prefix at the start of a word; overlapping spans are merged, in order."""
    words = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]
    keys = [stem(w, lang) for _, _, w in words]
    folded = [fold(w) for _, _, w in words]
    spans: list[tuple[int, int]] = []
    for sequence in wanted.sequences:
        n = len(sequence)
        if not n:
            continue
        for i in range(len(words) - n + 1):
            if tuple(keys[i : i + n]) == sequence:
                spans.append((words[i][0], words[i + n - 1][1]))
    for prefix in wanted.prefixes:
        spans.extend(
            (s, e) for (s, e, _), f in zip(words, folded, strict=True) if f.startswith(prefix)
        )
    return _merge(spans)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The text, HTML-escaped, with each span in ``<mark>``: safe to put in a page as is."""
    out: list[str] = []
    at = 0
    for start, end in spans:
        out.append(html.escape(text[at:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


# -- exact-accent matches, for the ranking ---------------------------------------------------------

# Letters of French and English text: a word boundary is anything else.
_LETTERS = "0-9A-Za-zÀ-ÖØ-öø-ÿŒœ"


def _case_class(c: str, *, escape: str) -> str:
    lower, upper = c.lower(), c.upper()
    if lower != upper and len(lower) == 1 and len(upper) == 1:
        return f"[{lower}{upper}]"
    if escape == "glob":
        return f"[{c}]" if c in "*?[]" else c
    return re.escape(c) if not c.isalnum() else c


def exact_glob(words: str) -> str:
    """A SQLite GLOB pattern, for ``' ' || text || ' '``: the words with these very accents, in
    any case, as whole words ("traite" does not match "Traité" nor "traitement")."""
    body = "".join(" " if c.isspace() else _case_class(c, escape="glob") for c in words)
    return f"*[^{_LETTERS}]{body}[^{_LETTERS}]*"


def exact_regex(words: str) -> str:
    """The same as a PostgreSQL regular expression."""
    body = "".join(r"\s+" if c.isspace() else _case_class(c, escape="regex") for c in words)
    return f"(^|[^{_LETTERS}]){body}($|[^{_LETTERS}])"
