"""Translation QA against the termbase, bead by bead.

Input: aligned beads as plain data (:class:`termbase.aligned.BeadText`: French, English, the
aligner's review flag, a reference) and a :class:`termbase.index.TermIndex`. Output: a
:class:`QAReport` with, for each bead, what a reviser should look at:

- ``missing-equivalent``: a termbase term on one side whose equivalents in the other language
  (preferred or admitted) are all absent from the other side; the finding lists them. Its
  severity is ``info`` rather than ``warning`` when the sign is weak: a general word, or a term
  inside a longer name (see :func:`_missing_level`);
- ``deprecated``: a deprecated or superseded term used, with the termbase's note and the terms
  to use instead;
- ``inconsistent``: the same French term rendered one way here and another way in most of the
  document's other beads;
- ``number``, ``symbol``, ``date``: numbers (paragraph numbers included), document symbols
  (A/RES/74/176) and months that one side has and the other lacks;
- ``omission``, ``addition``, ``mismatch``: the aligner's review flags (an English sentence
  with no French, the reverse, two sides that share almost nothing).

Terms are found by the recognition index (one Aho-Corasick pass over normalised tokens) and an
equivalent counts as present when its key occurs in the other side's keyed tokens, so case,
plural, apostrophes, hyphens and a leading article never raise an alarm ("Member State" in
English for "États Membres"). Numbers are compared as values: "1 500" and "1,500", "3,5" and
"3.5" agree, and a number spelt out on one side ("three", "trois") matches its figure.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from termbase.aligned import BeadText, as_bead
from termbase.index import IndexedConcept, IndexedTerm, TermIndex
from termbase.normalize import strip_accents, token_columns

# Finding kinds and how serious each is.
MISSING = "missing-equivalent"
DEPRECATED = "deprecated"
INCONSISTENT = "inconsistent"
NUMBER = "number"
SYMBOL = "symbol"
DATE = "date"
OMISSION = "omission"
ADDITION = "addition"
MISMATCH = "mismatch"
SEVERITY = {
    DEPRECATED: "error",
    NUMBER: "error",
    SYMBOL: "error",
    DATE: "error",
    MISSING: "warning",
    OMISSION: "warning",
    ADDITION: "warning",
    MISMATCH: "warning",
    INCONSISTENT: "info",
}
KINDS = tuple(SEVERITY)
_NOT_EXPECTED = frozenset({"deprecated", "superseded"})
_OTHER = {"fr": "en", "en": "fr"}
_FORMULAS = frozenset({"verb", "other"})


@dataclass(slots=True)
class Finding:
    """One thing to look at in a bead: ``lang`` is the side it points into, ``start``/``end``
    the offsets of what to highlight in that side's text (both None when it is the whole bead,
    or something missing)."""

    kind: str
    message: str
    lang: str | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None
    expected: list[str] = field(default_factory=list)
    note: str | None = None
    concept_id: int | None = None
    # Set when this finding is less certain than its kind (see ``INFO_ONLY``): "info".
    level: str | None = None

    @property
    def severity(self) -> str:
        return self.level or SEVERITY[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "lang": self.lang,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "expected": list(self.expected),
            "note": self.note,
            "concept_id": self.concept_id,
        }


@dataclass(slots=True)
class BeadReport:
    position: int
    bead: BeadText
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "ref": self.bead.ref,
            "fr": self.bead.fr,
            "en": self.bead.en,
            "review": self.bead.review,
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass(slots=True)
class QAReport:
    beads: list[BeadReport]

    @property
    def findings(self) -> list[Finding]:
        return [f for b in self.beads for f in b.findings]

    def summary(self) -> dict[str, Any]:
        by_kind = Counter(f.kind for f in self.findings)
        by_severity = Counter(f.severity for f in self.findings)
        return {
            "beads": len(self.beads),
            "beads_with_findings": sum(1 for b in self.beads if b.findings),
            "findings": sum(by_kind.values()),
            "by_kind": {k: by_kind[k] for k in KINDS if by_kind[k]},
            "by_severity": {s: by_severity[s] for s in ("error", "warning", "info")},
        }

    def as_dict(self, *, all_beads: bool = True) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "beads": [b.as_dict() for b in self.beads if all_beads or b.findings],
        }


@dataclass(frozen=True, slots=True)
class QAOptions:
    """Which checks run (all by default): a subset of :data:`KINDS`."""

    checks: frozenset[str] = frozenset(KINDS)


# -- terms --------------------------------------------------------------------------------------


class _Keyed:
    """A side's text as keyed tokens, for "does this term's key occur here" questions."""

    def __init__(self, text: str, lang: str) -> None:
        forms, starts, ends = token_columns(text, lang)
        self.text = text
        self.lang = lang
        self.forms = forms
        self.starts = starts
        self.ends = ends
        self.joined = " " + " ".join(forms) + " "
        self.folded = strip_accents(self.joined)
        self._stems: set[str] | None = None
        self._lower_stems: set[str] | None = None

    def has(self, key: str) -> bool:
        """Whether ``key`` occurs here; accents aside ("Nigeria" is "Nigéria")."""
        return bool(key) and (f" {key} " in self.joined or f" {strip_accents(key)} " in self.folded)

    def has_adjective_of(self, key: str, text: str) -> bool:
        """French only: whether a lower-case word here derives from the one-word name ``text``
        ("pakistanais", "israélien" for "Pakistan", "Israël"): French writes the adjective of a
        country in lower case, so "le Gouvernement pakistanais" renders "the Government of
        Pakistan". (English capitalises both, so no such rule holds there.)"""
        if " " in key or not text[:1].isupper():
            return False
        if self.lang == "en":
            if text.isupper():
                return False  # an acronym: "UNEP" is not an adjective of "UN"
            return self._has_demonym(key)
        if self._lower_stems is None:
            self._lower_stems = set()
            for form, start in zip(self.forms, self.starts, strict=True):
                if self.text[start : start + 1].islower():
                    folded = strip_accents(form)
                    for size in range(_STEM_MIN, len(folded) + 1):
                        self._lower_stems.add(folded[:size])
        return _name_stem(key) in self._lower_stems

    def _has_demonym(self, key: str) -> bool:
        """English: a capitalised word here that extends the one-word name ``key`` ("Israeli"
        for "Israel", "Iraqi" for "Iraq", "Syrian" for "Syria")."""
        stem = _name_stem(key)
        for form, start in zip(self.forms, self.starts, strict=True):
            if self.text[start : start + 1].isupper() and len(form) > len(key) - 2:
                folded = strip_accents(form)
                if folded != key and folded.startswith(stem):
                    return True
        return False

    def has_loosely(self, key: str, lang: str) -> bool:
        """Whether every content word of ``key`` has a word of the same stem here, in any
        order: what a derived or reordered rendering keeps ("États non alignés parties" for
        "États parties", "somalien" for "Somalie"). Never enough to find a term; enough not
        to call it missing."""
        words = [w for w in key.split(" ") if w not in _LINK_WORDS[lang]]
        if len(words) < 2:
            return False  # one word: its derivatives ("libyen" for "Libye") are other words
        if self._stems is None:
            self._stems = set()
            for form in self.forms:
                folded = strip_accents(form)
                for size in range(_STEM_MIN, len(folded) + 1):
                    self._stems.add(folded[:size])
        return all(_stem(w) in self._stems for w in words)

    def has_short_form(self, text: str) -> bool:
        """Whether the head of the multi-word name ``text`` occurs here capitalised, as UN
        texts refer back to a body: "the Council" for "the Security Council", "l'Assemblée" for
        "l'Assemblée générale", "l'Organisation" for "l'Organisation des Nations Unies". The
        head is the first word of a French name, the last of an English one."""
        # "Secretary-General" is one word: its short form is not "General"
        words = [w for w in re.split(r"\s+", text) if w]
        if len(words) < 2 or not text[:1].isupper():
            return False
        if self.lang == "fr":
            head = words[0]
            if _ORDINAL.match(head):  # "la Commission" for "la Cinquième Commission"
                head = words[1]
        else:  # the last word before "of", "on", "for"…: "the Office" for "the Office on Drugs"
            linked = [i for i, w in enumerate(words) if w.lower() in _LINK_WORDS["en"]]
            head = words[linked[0] - 1] if linked and linked[0] > 0 else words[-1]
        if self.lang == "fr" and len(words) >= 3 and words[1].lower() in _NAME_HEAD_LINKS:
            # "Nations Unies" for "Organisation des Nations Unies": the name without its head
            rest = " ".join(words[2:])
            if rest[:1].isupper() and self.has(" ".join(token_columns(rest, "fr")[0])):
                return True
        if not head[:1].isupper() or len(head) < 4:
            return False
        head_forms = [strip_accents(f) for f in token_columns(head, self.lang)[0]]
        term_forms = [strip_accents(f) for f in token_columns(text, self.lang)[0]]
        at = next(
            (
                j
                for j in range(len(term_forms))
                if term_forms[j : j + len(head_forms)] == head_forms
            ),
            0,
        )
        term_rest = term_forms[at + len(head_forms) : at + len(head_forms) + 2]
        folded = [strip_accents(f) for f in self.forms]
        n = len(head_forms)
        for i in range(len(folded) - n + 1):
            found = folded[i : i + n]
            if found[:-1] != head_forms[:-1] or found[-1] not in (
                head_forms[-1],
                head_forms[-1] + "s",
            ):
                continue
            if not self.text[self.starts[i] : self.starts[i] + 1].isupper():
                continue
            # a reference ("the Council", "la Commission"), not the head of another name
            # ("African Union", "the Commission on Population", "la Commission des stupéfiants")
            if (
                i > 0
                and self.text[self.starts[i - 1] : self.starts[i - 1] + 1].isupper()
                and folded[i - 1] not in _ARTICLES[self.lang]
            ):
                continue  # "African Union", "Kurdistan Regional Government": another name
            after = self.text[self.ends[i + n - 1] : self.ends[i + n - 1] + 40]
            following = folded[i + n : i + n + len(term_rest)]
            if _NAME_GOES_ON[self.lang].match(after) and following != term_rest:
                continue
            return True
        return False

    def has_initials_of(self, text: str) -> bool:
        """Whether an upper-case abbreviation here spells the initials of the name ``text``
        ("SDGs" for "Sustainable Development Goals", "DPRK" for "Democratic People's Republic
        of Korea", "CAR" for "Central African Republic"): abbreviations the termbase lacks."""
        words = [w for w in re.split(r"[\s-]+", text) if w]
        content = [w for w in words if w.lower() not in _LINK_WORDS[self.lang]]
        if len(content) < 2:
            return False
        initials = "".join(w[0] for w in content).upper()
        # "U.S." for "United States of America", "U.N." for "United Nations": dotted initials
        # of the name's first words
        for dotted in re.finditer(r"(?<![\w.])((?:[A-Z]\.){2,})", self.text):
            letters = dotted.group(1).replace(".", "")
            if initials.startswith(letters):
                return True
        for start, end in zip(self.starts, self.ends, strict=True):
            word = self.text[start:end]
            if word.endswith("s") and word[:-1].isupper():
                word = word[:-1]
            if word == initials:
                return True
        return False

    def span(self, key: str) -> tuple[int, int] | None:
        """Offsets of the first occurrence of ``key`` in the text."""
        words = key.split(" ")
        n = len(words)
        for i in range(len(self.forms) - n + 1):
            if self.forms[i : i + n] == words:
                return self.starts[i], self.ends[i + n - 1]
        return None


_STEM_MIN = 4
_ARTICLES = {
    "fr": frozenset("le la l les ce cet cette ces chaque".split()),
    "en": frozenset("the this that these each".split()),
}
# What follows the head of a name that goes on: "Commission on Population", "Commission des
# stupéfiants", "Council Resolution".
_NAME_GOES_ON = {
    "fr": re.compile(r"\s+(?:de|des|du|d['’]|chargée?s?)\b", re.IGNORECASE),
    "en": re.compile(r"\s+(?:(?:of|on|for|against)\s+(?:the\s+)?)?[A-Z]"),
}
_ORDINAL = re.compile(r"(?i)^(?:premi[eè]re?|\w+i[eè]me)$")
_NAME_HEAD_LINKS = frozenset({"des", "du", "de"})
_LINK_WORDS = {
    "fr": frozenset("de d des du la le les l à au aux en et pour contre sur par dans".split()),
    "en": frozenset("of in for on and the to against with by from at a an".split()),
}


def _stem(word: str) -> str:
    folded = strip_accents(word)
    return folded[: max(_STEM_MIN, len(folded) - 2)]


def _name_stem(name: str) -> str:
    """What the adjectives of a place name start with: its first letters less the last three
    ("banglad" for "bangladais", "israe" for "israélien", "colom" for "colombien")."""
    folded = strip_accents(name)
    return folded[: max(_STEM_MIN, len(folded) - 3)]


def _expected(concept: IndexedConcept, lang: str) -> list[IndexedTerm]:
    return [t for t in concept.terms_in(lang) if t.status not in _NOT_EXPECTED and t.key]


def _replacements(concept: IndexedConcept, lang: str) -> list[str]:
    return [t.text for t in _expected(concept, lang)]


@dataclass(slots=True)
class _Rendering:
    """Which equivalent a French term got in one bead (for the consistency check)."""

    position: int
    concept_id: int
    fr_key: str
    fr_text: str
    en_keys: frozenset[str]
    en_texts: dict[str, str]
    span: tuple[int, int]


def _term_findings(
    position: int,
    bead: BeadText,
    index: TermIndex,
    keyed: dict[str, _Keyed],
    renderings: list[_Rendering],
) -> list[Finding]:
    findings: list[Finding] = []
    deprecated_seen: set[tuple[str, int, int]] = set()
    for lang in ("fr", "en"):
        text = bead.fr if lang == "fr" else bead.en
        other = _OTHER[lang]
        other_keyed = keyed[other]
        for span in index.recognize(text, src=lang):
            # An acronym of the termbase written in lower case is a word ("who" is not WHO),
            # whatever the term's type says.
            hits = [h for h in span.matches if _case_fits(h.matched.text, span.text)]
            if not hits:
                continue
            best = hits[0].matched
            if all(h.matched.status in _NOT_EXPECTED for h in hits):
                concept = hits[0].concept
                use = _replacements(concept, lang)
                if (lang, span.start, span.end) not in deprecated_seen:
                    deprecated_seen.add((lang, span.start, span.end))
                    findings.append(
                        Finding(
                            DEPRECATED,
                            f"“{span.text}” is {best.status}"
                            + (f": use {_quoted(use)}" if use else ""),
                            lang,
                            span.start,
                            span.end,
                            span.text,
                            use,
                            best.note or concept.note,
                            concept.id,
                        )
                    )
                continue
            # The term is acceptable here; are its equivalents on the other side? Drafting
            # formulas (verbs, set phrases) take many renderings in context ("Prie instamment":
            # "Urges", "Further urges"): they are checked for deprecated forms only.
            usable = [h for h in hits if h.matched.status not in _NOT_EXPECTED]
            if all(h.matched.part_of_speech in _FORMULAS for h in usable):
                continue
            expected_terms: list[IndexedTerm] = []
            present: dict[str, str] = {}
            banned_present = False
            for hit in usable:
                for term in hit.concept.terms_in(other):
                    if not term.key:
                        continue
                    if term.status in _NOT_EXPECTED:
                        banned_present = banned_present or other_keyed.has(term.key)
                        continue
                    expected_terms.append(term)
                    if other_keyed.has(term.key):
                        present[term.key] = term.text
            if not expected_terms:
                continue  # the termbase has no equivalent in the other language
            if present:
                if lang == "fr":
                    renderings.append(
                        _Rendering(
                            position,
                            usable[0].concept.id,
                            best.key,
                            span.text,
                            frozenset(present),
                            present,
                            (span.start, span.end),
                        )
                    )
                continue
            if banned_present:
                continue  # reported as deprecated on the other side
            if any(other_keyed.has_loosely(t.key, other) for t in expected_terms):
                continue  # reordered, or words inserted: not missing
            if any(other_keyed.has_adjective_of(t.key, t.text) for t in expected_terms):
                continue  # "le Gouvernement pakistanais" for "the Government of Pakistan"
            if any(other_keyed.has_short_form(t.text) for t in expected_terms):
                continue  # "le Conseil" for "the Security Council"
            if any(other_keyed.has_initials_of(t.text) for t in expected_terms):
                continue  # "the SDGs" for "objectifs de développement durable"
            names = list(dict.fromkeys(t.text for t in expected_terms))
            side = "English" if other == "en" else "French"
            findings.append(
                Finding(
                    MISSING,
                    f"“{span.text}”: the {side} side has none of {_quoted(names)}",
                    lang,
                    span.start,
                    span.end,
                    span.text,
                    names,
                    None,
                    usable[0].concept.id,
                    _missing_level(
                        [h.matched for h in usable],
                        span.text,
                        text,
                        span.start,
                        span.end,
                        bead.en if lang == "fr" else bead.fr,
                    ),
                )
            )
    return findings


def _case_fits(term: str, found: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return found.isupper()
    return True


def _missing_level(
    terms: list[IndexedTerm], found: str, text: str, start: int, end: int, other_text: str = ""
) -> str | None:
    """``"info"`` when a missing equivalent is a weak sign, ``None`` (the kind's severity)
    otherwise. Weak signs:

    - every term matched is one word, and either written in lower case in the termbase
      ("femmes", "victims") or found in lower case in the text ("government policies" for the
      termbase's "Governments", "le secrétariat" of a body that is not the UN Secretariat):
      general words, often rendered by a pronoun, a synonym or an adjective ("féminin"), and
      not what a terminology check is for (one-word names — "Pakistan", "UNICEF" — stay);
    - the term is part of a longer name ("United Nations" in "United Nations Mission in South
      Sudan", "UN" in "UN-Habitat"): the longer name has its own rendering ("Mission des Nations
      Unies au Soudan du Sud"), which need not contain the shorter term's — unless the other
      side renders that longer name word for word ("Centre de services mondial de l'ONU" for
      "United Nations Global Service Centre"), where the term should be too;
    - the term opens the sentence and the other side opens it with a subject pronoun: "Il
      condamne…" for "The Security Council condemns…", a statement referring back to the body
      that speaks."""
    if all(" " not in t.text and "-" not in t.text for t in terms) and (
        found[:1].islower() or all(t.text[:1].islower() for t in terms)
    ):
        return "info"
    longer = _longer_name(text, start, end, found)
    if longer and (found in other_text or not _rendered_word_by_word(longer, other_text)):
        return "info"  # a longer name of its own, or left untranslated ("Human Rights Watch")
    if _SENTENCE_HEAD.fullmatch(text[:start]) and _PRONOUN_HEAD.match(other_text):
        return "info"
    return None


# Before a term that opens the sentence: a paragraph number or a letter, an article.
_SENTENCE_HEAD = re.compile(r"\s*(?:\(?\w{1,4}[.)]\s+)?(?:(?:The|Le|La|Les)\s+|L['’])?")
_PRONOUN_HEAD = re.compile(r"\s*(?:\(?\w{1,4}[.)]\s+)?(?:Il|Elle|Ils|Elles|He|She|It|They)\b")


_NAME_LINK = re.compile(r"\s+(?:(?:of|for|on|in|de|des|du|d'|d’|pour|sur|la|le|les|l'|l’)\s*)*$")


def _longer_name(text: str, start: int, end: int, found: str) -> list[str]:
    """The other words of the longer name that the name ``found`` at ``start:end`` of ``text``
    is glued to ("UN-Habitat", "United Nations Mission in South Sudan", "Charte des Nations
    Unies"); empty when it stands alone."""
    if not found[:1].isupper():
        return []
    after = text[end:]
    glued = re.match(r"-([^\W\d_][\w'’]*)", after)
    if glued and glued.group(1)[:1].isupper():
        return [glued.group(1)]
    if re.match(r"\s+[A-Z][a-z]", after):
        # "United Nations Conference on…": an English name goes on to the right
        words = []
        for word in re.findall(r"[\w'’]+", after[:200]):
            if word[:1].isupper():
                words.append(word)
            elif word.lower() not in _LINK_WORDS["en"] or len(words) > 6:
                break
        return words
    before = text[:start]
    glued = re.search(r"([^\W\d_][\w'’]*)-$", before)
    if glued:
        return [glued.group(1)]
    link = _NAME_LINK.search(before)
    words = before[: link.start() if link else len(before)].split()
    # "Charte des Nations Unies": a French name goes on to the left; but not a word that opens
    # the sentence or the paragraph ("4. Prie le Conseil de sécurité", "(a) Encourage les
    # États Membres"), capitalised for that reason alone
    if (
        link
        and len(words) > 1
        and words[-1][:1].isupper()
        and words[-1][-1:].isalpha()
        and not _OPENS.search(words[-2])
    ):
        name = [words[-1]]
        for word in reversed(words[:-1]):  # "Kurdistan Regional Government"
            if not word[:1].isupper() or not word[-1:].isalpha() or len(name) > 3:
                break
            name.append(word)
        return name
    return []


def _rendered_word_by_word(words: list[str], other_text: str) -> bool:
    """Whether the other side has a word of the same stem as at least half of ``words`` (the
    rest of a longer name: "Technical Cooperation Trust Fund" and "Fonds … pour la coopération
    technique"): the longer name is translated word for word there, so the term inside it
    should be too. Acronyms ("UN-SPIDER") are left as they are in both languages: no sign."""
    stems = {strip_accents(w.lower())[:5] for w in re.findall(r"[^\W\d_]{4,}", other_text)}
    content = {
        strip_accents(w.lower())[:5]
        for w in words
        if len(w) >= 4
        and not w.isupper()
        and w.lower() not in _LINK_WORDS["en"] | _LINK_WORDS["fr"]
    }
    return bool(content) and 2 * len(content & stems) >= len(content)


# What a word before a sentence's first word ends with: a paragraph number ("4.", "(a)", "1)"),
# a full stop, a colon or semicolon, a dash.
_OPENS = re.compile(r"(?:^\(?\w{1,4}[.)]|[.:;!?—–-])$")


def _consistency(renderings: list[_Rendering], reports: list[BeadReport]) -> None:
    """Flag the beads where a French term got a rendering most of its other beads did not."""
    by_term: dict[tuple[int, str], list[_Rendering]] = defaultdict(list)
    for rendering in renderings:
        by_term[(rendering.concept_id, rendering.fr_key)].append(rendering)
    for group in by_term.values():
        if len(group) < 2:
            continue
        usage: Counter[str] = Counter()
        texts: dict[str, str] = {}
        for rendering in group:
            usage.update(rendering.en_keys)
            texts.update(rendering.en_texts)
        if len(usage) < 2:
            continue
        (main_key, main_count), *_ = usage.most_common(1)
        for rendering in group:
            if main_key in rendering.en_keys:
                continue
            used = ", ".join(f"“{texts[k]}”" for k in sorted(rendering.en_keys))
            reports[rendering.position].findings.append(
                Finding(
                    INCONSISTENT,
                    f"“{rendering.fr_text}” is rendered {used} here but “{texts[main_key]}” "
                    f"in {main_count} other bead{'s' if main_count > 1 else ''}",
                    "fr",
                    rendering.span[0],
                    rendering.span[1],
                    rendering.fr_text,
                    [texts[main_key]],
                    None,
                    rendering.concept_id,
                )
            )


# -- numbers, symbols, dates --------------------------------------------------------------------

# UN document symbols: series letters, then slash-separated parts (A/RES/74/176, S/2015/123,
# E/CN.4/2005/L.10, A/C.3/74/L.7/Rev.1).
_SYMBOL = re.compile(r"\b[A-Z]{1,5}(?:\.\d+)?(?:/(?:[A-Z]{1,6}\.?\d*|\d+)(?:\.\d+)?)+\b")
# A number: French groups thousands with (no-break) spaces and uses a decimal comma; English
# groups with commas and uses a decimal point.
_NUMBER = {
    "fr": re.compile(
        r"(?<![\w/.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?(?!\d)|\d+(?:\.\d+)+|\d+(?:,\d+)?)"
        r"(?:e|er|re|ère|ème|eme)?(?!\w)"
    ),
    "en": re.compile(
        r"(?<![\w/.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)(?:st|nd|rd|th)?(?!\w)"
    ),
}
# A paragraph number opening a bead ("10. ", "(a) " is not one): compared only when both sides
# have one, since a sentence splitter or a corpus may keep it on one side only.
_PARAGRAPH_NUMBER = re.compile(r"^\s*(?:\d+\.|\d+(?:\.\d+)+)\s")
# Times of day: "18 h 15", "3 h 00" in French; "6:15 p.m.", "10.07 a.m.", "0300" (after "at"),
# "11 a.m." in English; compared as 24-hour clock values, and taken out of the numbers.
_TIME = {
    "fr": re.compile(
        r"\b(\d{1,2}) ?h ?(\d{2})\b"
        r"|(?:(?<=\bà )|(?<=\bet )|(?<=\bde )|(?<=\bentre )|(?<=\bvers ))(\d{1,2}) ?h(?:eures?)?\b"
    ),
    "en": re.compile(
        r"\b(\d{1,2})(?:[:.](\d{2}))? ?([ap])\.? ?m\.?(?!\w)"
        r"|(?<=\b[Aa]t )([01]\d|2[0-3])([0-5]\d)\b|\b([01]\d|2[0-3])([0-5]\d)(?= hours\b)"
    ),
}
_NUMBER_WORDS = {
    "fr": {
        "deux": "2",
        "trois": "3",
        "quatre": "4",
        "cinq": "5",
        "six": "6",
        "sept": "7",
        "huit": "8",
        "neuf": "9",
        "dix": "10",
        "onze": "11",
        "douze": "12",
        "treize": "13",
        "quatorze": "14",
        "quinze": "15",
        "seize": "16",
        "vingt": "20",
        "trente": "30",
        "quarante": "40",
        "cinquante": "50",
        "soixante": "60",
        "cent": "100",
        "mille": "1000",
        "premier": "1",
        "première": "1",
        "deuxième": "2",
        "second": "2",
        "seconde": "2",
        "troisième": "3",
        "quatrième": "4",
        "cinquième": "5",
        "sixième": "6",
        "septième": "7",
        "huitième": "8",
        "neuvième": "9",
        "dixième": "10",
        "un": "1",
        "une": "1",
        "unième": "1",  # only in compounds: "vingt et unième", "cent trente et unième"
        "million": "1000000",
        "millions": "1000000",
        "milliard": "1000000000",
        "milliards": "1000000000",
        "moitié": "50",
        "quart": "25",
        "double": "2",
        "dizaine": "10",
        "douzaine": "12",
        "quinzaine": "15",
        "vingtaine": "20",
        "trentaine": "30",
        "quarantaine": "40",
        "cinquantaine": "50",
        "centaine": "100",
        "onzième": "11",
        "douzième": "12",
        "treizième": "13",
        "quatorzième": "14",
        "quinzième": "15",
        "seizième": "16",
        "vingtième": "20",
        "trentième": "30",
        "quarantième": "40",
        "cinquantième": "50",
        "soixantième": "60",
        "centième": "100",
    },
    "en": {
        "one": "1",
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
        "ten": "10",
        "eleven": "11",
        "twelve": "12",
        "thirteen": "13",
        "fourteen": "14",
        "fifteen": "15",
        "sixteen": "16",
        "twenty": "20",
        "thirty": "30",
        "forty": "40",
        "fifty": "50",
        "sixty": "60",
        "hundred": "100",
        "thousand": "1000",
        "first": "1",
        "second": "2",
        "third": "3",
        "fourth": "4",
        "fifth": "5",
        "sixth": "6",
        "seventh": "7",
        "eighth": "8",
        "ninth": "9",
        "tenth": "10",
        "a": "1",
        "an": "1",
        "single": "1",
        "once": "1",
        "twice": "2",
        "million": "1000000",
        "billion": "1000000000",
        "half": "50",
        "quarter": "25",
        "double": "2",
        "dozen": "12",
        "dozens": "12",
        "eleventh": "11",
        "twelfth": "12",
        "thirteenth": "13",
        "fourteenth": "14",
        "fifteenth": "15",
        "sixteenth": "16",
        "twentieth": "20",
        "thirtieth": "30",
        "seventeen": "17",
        "eighteen": "18",
        "nineteen": "19",
        "seventy": "70",
        "eighty": "80",
        "ninety": "90",
        "seventeenth": "17",
        "eighteenth": "18",
        "nineteenth": "19",
        "fortieth": "40",
        "fiftieth": "50",
        "sixtieth": "60",
        "seventieth": "70",
        "eightieth": "80",
        "ninetieth": "90",
        "hundredth": "100",
    },
}
_MONTHS = {
    "fr": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ).split(),
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
}
_MONTH_RE = {
    "fr": re.compile(r"\b(" + "|".join(_MONTHS["fr"]) + r")\b", re.IGNORECASE),
    "en": re.compile(r"\b(" + "|".join(_MONTHS["en"]) + r")\b"),  # "may" the verb is lower case
}
_WORD = re.compile(r"[^\W\d_]+")
# Numbers that say nothing on their own: footnote-like single digits glued to a word are already
# out (superscripts are not digits); "0" and "1" are too often "none"/"a" in the other language.
_TRIVIAL = frozenset({"0", "1"})


def _value(raw: str, lang: str) -> str:
    if raw.count(".") > 1 or (lang == "fr" and "." in raw):
        return raw  # an article or section number: "2.1", "10.103"
    if lang == "fr":
        digits = re.sub(r"[ \u00a0\u202f]", "", raw).replace(",", ".")
    else:
        digits = raw.replace(",", "")
    if "." in digits:
        whole, _, decimals = digits.partition(".")
        decimals = decimals.rstrip("0")
        digits = f"{int(whole)}.{decimals}" if decimals else str(int(whole))
    else:
        digits = str(int(digits))
    return digits


def _numbers(text: str, lang: str) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """(document symbols, numbers) of a side, each with its offsets; numbers inside symbols
    are the symbol's."""
    symbols = [(m.group(), m.start(), m.end()) for m in _SYMBOL.finditer(text) if "/" in m.group()]
    blanked = text
    for _, start, end in symbols:
        blanked = blanked[:start] + " " * (end - start) + blanked[end:]
    times = [(_clock(m, lang), m.start(), m.end()) for m in _TIME[lang].finditer(blanked)]
    for _, start, end in times:
        blanked = blanked[:start] + " " * (end - start) + blanked[end:]
    numbers = [
        (_value(m.group(1), lang), m.start(1), m.end(1)) for m in _NUMBER[lang].finditer(blanked)
    ]
    return symbols, times + numbers


def _clock(match: re.Match[str], lang: str) -> str:
    if lang == "fr":
        if match.group(1):
            hour, minute = int(match.group(1)), int(match.group(2))
        else:
            hour, minute = int(match.group(3)), 0
    elif match.group(4) or match.group(6):
        hour = int(match.group(4) or match.group(6))
        minute = int(match.group(5) or match.group(7))
    else:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if match.group(3).lower() == "p" and hour < 12:
            hour += 12
        elif match.group(3).lower() == "a" and hour == 12:
            hour = 0
    return f"{hour:02d}:{minute:02d}"


def _spelled(text: str, lang: str) -> set[str]:
    words = _NUMBER_WORDS[lang]
    found = {words[w] for w in (m.group().lower() for m in _WORD.finditer(text)) if w in words}
    # "soixante-quatorzième", "quatre-vingt-dix", "fifty-second", "sixty five", "cent trente
    # et unième": compounds spelt with hyphens or spaces; every run of number words is read
    for match in _COMPOUND.finditer(text):
        parts = re.split(r"[\s-]+", match.group().lower())
        run: list[str] = []
        for part in [*parts, ""]:
            if part in words or part.rstrip("s") in words or (part in ("et", "and") and run):
                run.append(part)
                continue
            while run and run[-1] in ("et", "and"):
                run.pop()
            if len(run) > 1:
                value = _compound_value(run, words)
                if value is not None:
                    found.add(str(value))
            run = []
    return found


_COMPOUND = re.compile(r"[^\W\d_]+(?:[ -][^\W\d_]+)+")


def _compound_value(parts: list[str], words: dict[str, str]) -> int | None:
    """The value of a hyphenated number ("cinquante-deuxième" 52, "quatre-vingt-dix" 90,
    "deux-cents" 200, "seventy-fourth" 74), None when a part is not a number word."""
    total = current = 0
    for part in parts:
        if part in ("et", "and"):
            continue
        raw = words.get(part) or words.get(part.rstrip("s"))
        if raw is None or not raw.isdigit():
            return None
        value = int(raw)
        if value in (20, 100, 1000) and 0 < current < value:
            current *= value  # "quatre-vingt", "deux-cent"
        elif value >= 1000:
            total += max(current, 1) * value
            current = 0
        else:
            current += value
    return total + current


def _number_findings(bead: BeadText, checks: frozenset[str]) -> list[Finding]:
    findings: list[Finding] = []
    sides = {lang: _numbers(bead.fr if lang == "fr" else bead.en, lang) for lang in ("fr", "en")}
    fr_paragraph = _PARAGRAPH_NUMBER.match(bead.fr)
    en_paragraph = _PARAGRAPH_NUMBER.match(bead.en)
    if bool(fr_paragraph) != bool(en_paragraph):
        numbered = "fr" if fr_paragraph else "en"
        symbols, numbers = sides[numbered]
        sides[numbered] = (symbols, numbers[1:])
    if SYMBOL in checks:
        fr_symbols = Counter(s for s, _, _ in sides["fr"][0])
        en_symbols = Counter(s for s, _, _ in sides["en"][0])
        for lang, mine, theirs in (("fr", fr_symbols, en_symbols), ("en", en_symbols, fr_symbols)):
            extra = mine - theirs
            for symbol, start, end in sides[lang][0]:
                if extra[symbol] > 0:
                    extra[symbol] -= 1
                    other = "English" if lang == "fr" else "French"
                    findings.append(
                        Finding(
                            SYMBOL,
                            f"the symbol {symbol} is not on the {other} side",
                            lang,
                            start,
                            end,
                            symbol,
                            sorted(theirs),
                        )
                    )
    if NUMBER in checks:
        # Sets, not counts: a translation may repeat a number or refer back to it ("ladite
        # résolution" for "resolution 2140 (2014)"); a changed number is a value that is new.
        fr_values = Counter(set(v for v, _, _ in sides["fr"][1]))
        en_values = Counter(set(v for v, _, _ in sides["en"][1]))
        spelled = {"fr": _spelled(bead.fr, "fr"), "en": _spelled(bead.en, "en")}
        glued = _glued(set(fr_values), set(en_values))
        for lang, mine, theirs in (("fr", fr_values, en_values), ("en", en_values, fr_values)):
            extra = mine - theirs
            other = _OTHER[lang]
            for value, start, end in sides[lang][1]:
                if extra[value] <= 0:
                    continue
                extra[value] -= 1
                if value in _TRIVIAL or value in spelled[other] or value in glued:
                    continue
                if _glued_to_a_word(value, bead.en if lang == "fr" else bead.fr, other):
                    continue  # "45 000 dollars australiens" for "$A45,000", "235U" for "U-235"
                if _hours(value, theirs):
                    continue  # "jusqu'à 18 heures" (a time?) for "up to 18 hours" (a duration)
                other_name = "English" if lang == "fr" else "French"
                text = bead.fr if lang == "fr" else bead.en
                findings.append(
                    Finding(
                        NUMBER,
                        f"{text[start:end]} is not on the {other_name} side",
                        lang,
                        start,
                        end,
                        text[start:end],
                        sorted(theirs - mine),
                    )
                )
    if DATE in checks:
        months = {
            lang: [
                (_MONTHS[lang].index(_month_name(m.group(), lang)), m.start(), m.end())
                for m in _MONTH_RE[lang].finditer(bead.fr if lang == "fr" else bead.en)
            ]
            for lang in ("fr", "en")
        }
        if months["fr"] and months["en"]:
            fr_months: Counter[int] = Counter(m for m, _, _ in months["fr"])
            en_months: Counter[int] = Counter(m for m, _, _ in months["en"])
            for lang, ours, others in (("fr", fr_months, en_months), ("en", en_months, fr_months)):
                surplus = ours - others
                for month, start, end in months[lang]:
                    if surplus[month] > 0:
                        surplus[month] -= 1
                        text = bead.fr if lang == "fr" else bead.en
                        findings.append(
                            Finding(
                                DATE,
                                f"the month “{text[start:end]}” is not on the other side",
                                lang,
                                start,
                                end,
                                text[start:end],
                                [_MONTHS[_OTHER[lang]][m] for m in sorted(others - ours)],
                            )
                        )
    return findings


_GROUPING = {
    "fr": re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}\b)"),
    "en": re.compile(r"(?<=\d),(?=\d{3}\b)"),
}


def _glued_to_a_word(value: str, other_text: str, other: str) -> bool:
    """Whether the other side has the same digits where the number pattern cannot see them:
    glued to a letter or a sign ("235U", "$A45,000", "IVO B73", "s.10.103")."""
    digits = _GROUPING[other].sub("", other_text)
    if other == "fr":
        digits = digits.replace(",", ".")
    return re.search(r"(?<![\d.,])" + re.escape(value) + r"(?![\d]|[.,]\d)", digits) is not None


def _hours(value: str, theirs: Counter[str]) -> bool:
    """A whole hour on one side and the same number on the other: "18 heures" read as a time
    of day where the other side counts hours ("18 hours")."""
    match = re.fullmatch(r"(\d\d):00", value)
    if match:
        return str(int(match.group(1))) in theirs
    return value.isdigit() and int(value) < 24 and f"{int(value):02d}:00" in theirs


def _glued(fr: set[str], en: set[str]) -> set[str]:
    """Values that are the other side's numbers glued together by a lost hyphen or a footnote
    call (text taken from a PDF): "20142015" for "2014-2015", "4653" for "46-53", "20151" for
    "2015" and its footnote 1; both the glued value and the parts it holds are left out."""
    out: set[str] = set()
    for mine, theirs in ((fr, en), (en, fr)):
        parts = {v for v in theirs if v.isdigit()}
        for value in mine:
            if not value.isdigit() or len(value) < 4 or value in theirs:
                continue
            for part in parts:
                rest = value[len(part) :] if value.startswith(part) else None
                # "20151" (a footnote call) from five digits on; "4653" for "46-53" from four
                if rest and ((len(rest) <= 2 and len(value) >= 5) or rest in parts):
                    out.update({value, part})
                    if rest in parts:
                        out.add(rest)
    return out


def _month_name(found: str, lang: str) -> str:
    if lang == "fr":
        lowered = unicodedata.normalize("NFC", found.lower())
        return lowered
    return found


# -- the whole check ----------------------------------------------------------------------------

_REVIEW_MESSAGES = {
    OMISSION: "an English sentence with no French counterpart",
    ADDITION: "a French sentence with no English counterpart",
    MISMATCH: "the two sides share almost nothing: a sentence replaced, or a misalignment",
}


def check_translation(
    beads: Iterable[BeadText | Sequence[Any]],
    index: TermIndex,
    *,
    options: QAOptions | None = None,
) -> QAReport:
    """Check every bead of a document; see the module docstring for what is reported."""
    options = options or QAOptions()
    checks = options.checks
    reports: list[BeadReport] = []
    renderings: list[_Rendering] = []
    for position, raw in enumerate(beads):
        bead = as_bead(raw)
        report = BeadReport(position, bead)
        reports.append(report)
        if bead.review in _REVIEW_MESSAGES and bead.review in checks:
            lang = "en" if bead.review == OMISSION else "fr" if bead.review == ADDITION else None
            report.findings.append(Finding(bead.review, _REVIEW_MESSAGES[bead.review], lang))
        if not bead.fr.strip() or not bead.en.strip():
            continue  # a one-sided bead: nothing to compare
        if checks & {MISSING, DEPRECATED, INCONSISTENT}:
            keyed = {"fr": _Keyed(bead.fr, "fr"), "en": _Keyed(bead.en, "en")}
            found = _term_findings(position, bead, index, keyed, renderings)
            report.findings.extend(f for f in found if f.kind in checks)
        if checks & {NUMBER, SYMBOL, DATE}:
            report.findings.extend(_number_findings(bead, checks))
    if INCONSISTENT in checks:
        _consistency(renderings, reports)
    return report_sorted(reports)


def report_sorted(reports: list[BeadReport]) -> QAReport:
    for report in reports:
        report.findings.sort(
            key=lambda f: (f.lang or "", f.start if f.start is not None else -1, f.kind)
        )
    return QAReport(reports)


def _quoted(texts: Sequence[str]) -> str:
    return ", ".join(f"“{t}”" for t in texts)
