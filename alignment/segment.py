"""Sentence segmentation of French and English UN text, and the building of :class:`Side` objects.

Three entry points build a side:

- :func:`segment_presegmented` reads the align-dev layout (one sentence a line, an empty line
  between paragraphs) and keeps every line as exactly one sentence, flagging page furniture.
- :func:`segment_raw` reads a document extracted from print: :mod:`alignment.cleanup` drops the
  furniture, lifts the footnotes and mends the paragraphs cut by page breaks, and
  :func:`split_sentences` cuts each paragraph into sentences whose spans point into the input.
- :func:`split_sentences` alone cuts one paragraph.

How :func:`split_sentences` decides. A candidate boundary is a run of stops (``.``, ``!``, ``?``,
``…``), with the closing quotes, brackets, emphasis marks and footnote calls glued after it, that
is followed by whitespace; a stop glued to the next character ("A/RES/74/176", "3.5",
"www.un.org") is never a candidate. A candidate ends a sentence only if the next token opens one:
an upper-case letter or a digit, possibly behind an opening quote (« “ " ‘) or an emphasis mark.
Then, for ``!`` and ``?`` that is enough; an ellipsis in brackets ("[…]", "(...)") marks an
omission, not an end. For a single period the word before it decides:

1. an item label that opens the sentence ("12.", "III.", "A.", "b.") never ends it;
2. a title ("M.", "MM.", "Mme", "Mr.", "Dr.") and a non-final abbreviation ("cf.", "e.g.", "i.e.",
   "p. ex.", "vs.") never end a sentence;
3. a reference abbreviation ("vol.", "No.", "Nos.", "art.", "chap.", "sect.", "para.", "Add.", month
   names) does not when a number or label follows ("vol. 2225", "chap. V", "sect. A", "Jan. 2015");
4. an abbreviation that may close a sentence ("etc.", "Inc.", "Ibid.", "a.m.") ends it when the
   next token opens a sentence: "… etc. Les États" is two sentences;
5. a single letter is an initial ("J. K. Smith") unless it labels something ("annexe B. Le …");
   a single lower-case letter ("p.", "t.") is an abbreviation;
6. a footnote call glued to the period ("persons.3 The") ends a sentence only after a real word;
7. anything else (a word, a number, a symbol, a closing quote) ends the sentence.

The semicolon is not a boundary: in UN texts it ends operative paragraphs (already paragraph
breaks) and items of enumerations, whose translations keep them in one sentence. The abbreviation
tables serve both languages (UN texts quote names and references across them); their entries are
case-sensitive, so that "Art." and "art." can differ and "sept." (seven) is no abbreviation.
"""

from __future__ import annotations

import re

from alignment.cleanup import (
    TRIM,
    clean,
    is_furniture,
    primary_language,
    strip_bounds,
    words,
)
from alignment.types import Paragraph, Sentence, Side, Span

__all__ = [
    "is_furniture",
    "segment_presegmented",
    "segment_raw",
    "split_sentences",
]

# -- the rules of split_sentences ----------------------------------------------------------------

# A candidate boundary: the stops, what is glued after them (closing quote, possibly after a
# French space, ">>" being how the UN corpus spells »; bracket; emphasis; superscript call), a
# plain footnote call as English extraction leaves it ("persons.3"), and then whitespace or the
# end. The word before the stops is found afterwards, and only where it matters: matching it here
# would cost a pass over every word.
_CANDIDATE_RE = re.compile(
    r"(?P<stop>[.!?…]+)"
    r"(?P<close>(?:\s?(?:[»”’)\]]|>>)|[\"'*_]|[⁰¹²³⁴⁵⁶⁷⁸⁹])*)"
    r"(?P<call>\d{1,3})?"
    r"(?=\s|\Z)"
)
_NON_SPACE_RE = re.compile(r"\S*")
_SPACE = r"[\s\ufeff\u200b\u200c\u200d\u2060]*"
# What follows a candidate: openers (quote, "<<", emphasis, bracket), then the first token.
_NEXT_RE = re.compile(_SPACE + r"(?P<open>(?:[«“‘„\"'*_¿¡(\[]|<<)*)\s*(?P<token>\S*)")
_OPENERS = "«“‘„\"'*_¿¡([<"

_ROMAN_UPPER = r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_ROMAN_LOWER = _ROMAN_UPPER.lower()
# A label that opens a sentence: "12.", "1.2.", "III.", "iv.", "A.", "b.", "IV.G.".
_LABEL_PART = rf"\d{{1,3}}|(?=[IVXLCDM]){_ROMAN_UPPER}|(?=[ivxlcdm]){_ROMAN_LOWER}|[^\W\d_]"
_ITEM_LABEL_RE = re.compile(rf"(?:{_LABEL_PART})(?:\.(?:{_LABEL_PART}))*")
# What a reference abbreviation refers to: "2225", "V", "xii", "A", "I.A", "A/71/53".
_REFERENT_RE = re.compile(
    rf"\d|(?:(?=[IVXLCDM]){_ROMAN_UPPER}|(?=[ivxlcdm]){_ROMAN_LOWER}|[^\W\d_])(?:[./\-,;:)\]]|$)"
)
# Initials and dotted abbreviations: "J.K", "U.S", "I.A", "e.g", "i.e", "a.m".
_DOTTED_RE = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")
_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")

_TITLES = words(
    "MM Mme Mmes Mlle Mlles Me Mgr Pr Dr Drs Mr Mrs Ms Messrs Prof St Ste Sts Hon Amb Gen Lt"
    " Col Maj Capt Cdt Cmdt Sgt Adm Gov H.E S.E"
)
_NON_FINAL = words(
    "cf Cf cfr e.g E.g i.e I.e viz vs v ex Ex c.-à-d C.-à-d approx env ca resp op loc sq sqq"
    " ss suiv p.ex P.ex"
)
_REFERENCE = words(
    "No Nos no nos pp para paras par art Art arts Arts al vol Vol vols Vols chap Chap chaps"
    " sect Sect sects fig Fig figs tab Tab ch Ch ann Add Rev Corr Amend Suppl Supp suppl doc"
    " Doc docs réf Réf ref Ref res Res rés Rés dec Dec sess Sess liv"
    " Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov janv févr avr juill oct nov déc"
)
_FINAL_CAPABLE = words(
    "etc Etc Inc Ltd Co Corp Cie Jr Sr Bros Esq a.m p.m ibid Ibid id Id cit min max"
)
_ABBREVIATIONS = _TITLES | _NON_FINAL | _REFERENCE | _FINAL_CAPABLE
# Nouns that take a letter or a roman numeral as a label: "annexe B.", "section A.", "tableau C.".
_LABEL_NOUNS = words(
    "annex annexe appendix appendice section sect chapter chapitre chap part partie title titre"
    " table tableau figure fig schedule option category catégorie group groupe list liste volume"
    " vol phase level niveau class classe type subsection sous-section point item step étape"
    " scenario scénario zone region région sector secteur column colonne box encadré plan"
    " programme program tier letter lettre vitamin vitamine annexes annexes"
)


def _opens_sentence(open_: str, token: str) -> bool:
    """Whether the token after a candidate (behind its openers) can start a sentence."""
    if not token or "(" in open_ or "[" in open_:
        return False
    first = token[0]
    return first.isupper() or first.isdigit()


def _labels(text: str, word_start: int) -> bool:
    """Whether the word before ``word_start`` is a noun that takes a letter label ("annexe")."""
    end = word_start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:end].rstrip(".,:").lower().replace("’", "'")
    return word[word.rfind("'") + 1 :] in _LABEL_NOUNS  # "l'annexe B." is labelled too


def _period_ends(
    text: str, match: re.Match[str], word_start: int, sentence_start: int, token: str
) -> bool:
    """Whether a single period (the next token opening a sentence) ends the sentence."""
    core = text[word_start : match.start()].lstrip(_OPENERS)
    if not core or not core[-1].isalnum():
        return True  # after a closing quote or bracket: the period is the sentence's
    if match.group("call"):
        return core.isalpha() and len(core) >= 2 and core not in _ABBREVIATIONS
    if word_start == sentence_start and _ITEM_LABEL_RE.fullmatch(core):
        return False
    if core in _TITLES or core in _NON_FINAL:
        return False
    if core in _REFERENCE:
        return _REFERENT_RE.match(token.lstrip(_OPENERS)) is None
    if core in _FINAL_CAPABLE:
        return True
    if len(core) == 1 and core.isalpha():
        return core.isupper() and _labels(text, word_start)
    if _DOTTED_RE.fullmatch(core):
        if core.isupper() and _INITIALS_RE.fullmatch(core):
            return _labels(text, word_start)
        return not core.islower()
    return True


def split_sentences(text: str, lang: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) inside one paragraph string; whitespace trimmed off each span.

    ``lang`` ("fr", "en", or a BCP 47 tag) is part of the API, but the rules (see the module
    docstring) serve both languages alike. Line breaks inside ``text`` count as spaces.
    """
    spans: list[tuple[int, int]] = []
    start, end = strip_bounds(text, 0, len(text))
    if start == end:
        return spans
    backwards = ""  # ``text`` reversed, made at the first period, to find the word before a stop
    for match in _CANDIDATE_RE.finditer(text, start, end):
        following = _NEXT_RE.match(text, match.end())
        assert following is not None  # every part of the pattern may be empty
        token = following.group("token")
        if not _opens_sentence(following.group("open"), token):
            continue  # nothing ends before a lower-case word, a bracket or the end
        stop = match.group("stop")
        if "!" in stop or "?" in stop:
            ends = True
        else:
            if not backwards:
                backwards = text[::-1]
            at = len(text) - match.start()
            found = _NON_SPACE_RE.match(backwards, at)
            assert found is not None  # \S* matches everywhere
            word_start = match.start() - (found.end() - at)
            if stop == ".":
                ends = _period_ends(text, match, word_start, start, token)
            else:  # an ellipsis ends a sentence, unless it marks an omission: "[…]", "(...)"
                bracketed = text[word_start : match.start()].endswith(("(", "["))
                ends = not (bracketed and match.group("close").lstrip().startswith((")", "]")))
        if ends:
            spans.append((start, match.end()))
            start = following.start("open")
    spans.append((start, end))
    return spans


# -- sides ---------------------------------------------------------------------------------------

_PRESEGMENTED_BREAK_RE = re.compile(r"\r\n?|\n")


def _presegmented_lines(text: str) -> list[tuple[int, str]]:
    """Each line of ``text`` with its start offset, line breaks excluded."""
    if text.count("\r") == text.count("\r\n"):
        # The common case, and the fast one: \n breaks lines, and the \r of a \r\n is trailing
        # whitespace that stripping takes off.
        lines = []
        position = 0
        for line in text.split("\n"):
            lines.append((position, line))
            position += len(line) + 1
        return lines
    lines, position = [], 0
    for match in _PRESEGMENTED_BREAK_RE.finditer(text):
        lines.append((position, text[position : match.start()]))
        position = match.end()
    lines.append((position, text[position:]))
    return lines


def segment_presegmented(text: str, lang: str) -> Side:
    """One sentence a line, an empty line between paragraphs (the align-dev layout) -> Side.

    Every non-empty line is exactly one Sentence (never split, never dropped, never merged), in
    order; lines that look like page furniture get furniture=True but stay. A line of nothing but
    whitespace counts as empty. Only ``\\n``, ``\\r\\n`` and ``\\r`` break lines, so a form feed or
    a Unicode line separator inside a line never splits it. Each sentence is its line without the
    surrounding whitespace (and BOM), and its one span points at that in ``text``.
    """
    lang = primary_language(lang)
    sentences: list[Sentence] = []
    paragraphs: list[Paragraph] = []
    first = 0  # index of the first sentence of the open paragraph
    for position, line in _presegmented_lines(text):
        content = line.strip(TRIM)
        if content:
            start = position + len(line) - len(line.lstrip(TRIM))
            span = Span(start, start + len(content))
            furniture = is_furniture(content)
            sentences.append(Sentence(len(sentences), content, (span,), len(paragraphs), furniture))
        elif first < len(sentences):
            paragraphs.append(Paragraph(len(paragraphs), tuple(range(first, len(sentences)))))
            first = len(sentences)
    if first < len(sentences):
        paragraphs.append(Paragraph(len(paragraphs), tuple(range(first, len(sentences)))))
    return Side(lang, sentences, paragraphs)


def segment_raw(text: str, lang: str) -> Side:
    """Raw document text (as extracted from print) -> Side: clean-up, paragraphs, sentences.

    See :mod:`alignment.cleanup` for the clean-up. The lines of a paragraph are its pieces; a
    sentence's ``text`` is its parts of those pieces joined by one space, and it has one span per
    piece it touches, so ``text[span.start:span.end]`` is exactly each part. Body sentences come
    first, then footnote sentences; the dropped furniture is in ``Side.dropped``.
    """
    lang = primary_language(lang)
    document = clean(text, lang)
    sentences: list[Sentence] = []
    paragraphs: list[Paragraph] = []
    for raw in document.paragraphs:
        pieces = raw.pieces
        joined = " ".join(text[piece.start : piece.end] for piece in pieces)
        # Where each piece starts in ``joined``: one space between pieces.
        offsets: list[int] = []
        offset = 0
        for piece in pieces:
            offsets.append(offset)
            offset += piece.end - piece.start + 1
        first = len(sentences)
        current = 0  # the first piece the next sentence can touch
        for start, end in split_sentences(joined, lang):
            spans: list[Span] = []
            while current < len(pieces):
                piece, piece_start = pieces[current], offsets[current]
                piece_end = piece_start + piece.end - piece.start
                low, high = max(start, piece_start), min(end, piece_end)
                if low < high:
                    shift = piece.start - piece_start  # from ``joined`` back to ``text``
                    spans.append(Span(low + shift, high + shift))
                if piece_end > end:
                    break  # the rest of this piece belongs to the next sentence
                current += 1
            sentences.append(
                Sentence(len(sentences), joined[start:end], tuple(spans), len(paragraphs))
            )
        paragraphs.append(
            Paragraph(len(paragraphs), tuple(range(first, len(sentences))), raw.footnote)
        )
    return Side(lang, sentences, paragraphs, list(document.dropped))
