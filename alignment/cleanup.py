"""Clean-up of UN printed documents extracted as plain text, before sentence segmentation.

A UN document printed to PDF and extracted as text is not a sequence of paragraphs: page
furniture (job numbers, the document symbol, page numbers, "Distr. générale", bar codes) is
scattered between pages, footnotes sit at the foot of each page in the middle of the body, and a
paragraph cut by a page break arrives in two blocks with the footnotes in between. This module
turns such text into paragraphs, each a tuple of exact pieces of the input, so that segmentation
never loses track of where a sentence came from:

1. The text is cut into lines (``\\n``, ``\\r\\n``, ``\\r`` …); a form feed is a page break and
   counts as a blank line.
2. Each line is blank, page furniture (:func:`is_furniture`: dropped, and recorded), the start of a
   footnote (a superscript mark such as ``¹²``; a plain ``12`` only in sequence and where the
   body has already called it, glued to a word as in "Crime12"), or text.
3. Consecutive text lines form a block; blank lines, furniture and footnotes end it. The lines
   that follow a footnote line in its block belong to that footnote.
4. A body block is joined with the next body block (past any footnotes and furniture) when it
   does not end with terminal punctuation (``. ; : ! ? » )`` …) and either the next block starts
   with a lower-case word that is not an item label such as ``a)``, or the block ends on a word
   no paragraph ends on ("de", "l'", "the" …) and the next one does not open with an item label
   ("2.", "b)"). That mends the paragraphs a page break cut in two; a heading, which ends without
   punctuation but is followed by a capital, stays apart.
5. Body paragraphs come first, footnote paragraphs after them, each in document order.

The module is pure text processing: no I/O and nothing outside the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from alignment.types import Span

__all__ = [
    "CleanDocument",
    "RawParagraph",
    "clean",
    "is_furniture",
    "primary_language",
    "strip_bounds",
    "words",
]

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

# Characters trimmed off lines and sentences: Unicode whitespace (str.isspace covers tabs, form
# feeds, no-break and thin spaces) plus the byte-order mark and zero-width characters, which
# str.strip() keeps but which are invisible in a document and never part of a sentence.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
TRIM = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + _INVISIBLE


def strip_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` without the whitespace (and BOM) at both ends, as (start, end)."""
    piece = text[start:end]
    stripped = piece.lstrip(TRIM)
    start += len(piece) - len(stripped)
    return start, start + len(stripped.rstrip(TRIM))


def words(text: str) -> frozenset[str]:
    """The set of the space-separated words of ``text`` (for the word lists of the rules)."""
    return frozenset(text.split())


def primary_language(lang: str) -> str:
    """The primary subtag of a BCP 47 tag, lower-cased: ``"fr-CA"`` → ``"fr"``."""
    return lang.replace("_", "-").split("-", 1)[0].strip().lower()


# -- page furniture ------------------------------------------------------------------------------

# A UN document symbol: an organ code and slash-separated parts (A/RES/74/176, A/C.3/74/L.11,
# E/2002/68/Add.1, UNEP/POPS/COP.7/36); it has a digit, which keeps "HIV/AIDS" out.
_SYMBOL_PART = r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*"
_SYMBOL = rf"(?=\S*\d)[A-Z][A-Z0-9]*(?:[.\-][A-Za-z0-9]+)*(?:/{_SYMBOL_PART})+\**"
# Things that appear, alone or together, on a header or footer line of a UN page:
# job number (19-17836, GE.19-12345), its language tag ((F)), print dates (181019), bar code
# (*1917836*, *19-17836*), job number as printed under the bar code (1917836F), page (2/10).
_FURNITURE_TOKEN = (
    r"(?:GE\.)?\d{2}-\d{5}(?:\s*\([A-Z]\))?"
    r"|\*\d{2}-?\d{5}\*"
    r"|\d{7}[A-Z]"
    r"|\d{1,4}\s?/\s?\d{1,4}"
    rf"|{_SYMBOL}"
)
# Found next to those but meaningless alone (a bare six-digit number may be a table cell).
_FURNITURE_COMPANION = r"\([A-Z]\)|\d{6}|♲"
_LANGUAGE = (
    r"(?:anglais|français|espagnol|arabe|chinois|russe"
    r"|english|french|spanish|arabic|chinese|russian)"
)
_FURNITURE_RE = re.compile(
    r"(?:"
    rf"(?:(?:{_FURNITURE_COMPANION})\s+)*(?:{_FURNITURE_TOKEN})"
    rf"(?:\s+(?:{_FURNITURE_TOKEN}|{_FURNITURE_COMPANION}))*"
    rf"|(?:Nations\s+Unies|United\s+Nations)\s+{_SYMBOL}"
    r"|[-–—]\s*\d{1,4}\s*[-–—]"
    r"|(?i:page)\s+\d{1,4}(?:\s*(?:/|sur|of|de)\s*\d{1,4})?"
    r"|(?i:distr\.?\s*:?\s*(?:générale|generale|limitée|limitee|restreinte|general|limited|restricted))"
    r"|♲?\s*(?i:veuillez\s+recycler|please\s+recycle)\s*♲?"
    rf"|(?i:original\s*:\s*{_LANGUAGE}(?:\s*(?:,|/|et|and)\s*{_LANGUAGE})*)"
    rf"|(?i:{_LANGUAGE}(?:\s*(?:,|/|et|and)\s*{_LANGUAGE})*\s+(?:seulement|only))"
    r"|Français|English"
    r")"
)
_LONGEST_FURNITURE = 120  # every furniture line is short; longer lines skip the regex entirely


def is_furniture(line: str) -> bool:
    """True for page furniture: a line that the printer put on the page, not the author.

    Job numbers ("19-17836 (F)", "14-44103", "1917836F"), document symbols alone on a line
    ("A/C.3/74/L.11", "A/RES/74/176", "E/2018/30"), page numbers ("2/10", "- 3 -", "Page 4"),
    "Distr. générale/limitée", "*1917836*" bar codes, "Veuillez recycler"/"Please recycle", the
    language lines of the header ("Français", "Original : anglais"), and several of these on
    one line. A bare number is not furniture (tables are full of them).
    """
    text = line.strip(TRIM)
    if not text or len(text) > _LONGEST_FURNITURE:
        return False
    return _FURNITURE_RE.fullmatch(text) is not None


# -- lines and blocks ----------------------------------------------------------------------------

# Line breaks a text extractor may produce. \f (page break) and \v are followed by a virtual
# blank line so that a page break always ends a block.
_BREAK_RE = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_PAGE_BREAKS = {"\f", "\v"}

_SUPERSCRIPT_MARK_RE = re.compile(rf"[{SUPERSCRIPT_DIGITS}]+")
_TO_DIGITS = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
# A footnote printed with a plain mark: "12 Résolution 70/1." (a tab or spaces after the number).
_PLAIN_MARK_RE = re.compile(r"(\d{1,3})[ \t\u00a0]+(?=\S)")
# A plain footnote call in the body, glued to the word it annotates as extraction leaves it:
# "Crime2", "crime,2", "persons.3". The pattern starts with the digit, which keeps the scan fast;
# lookbehinds then ask for the letter (and punctuation) before it, and the word is checked after.
_PLAIN_CALL_RE = re.compile(
    r"\d(?:(?<=[^\W\d_]\d)|(?<=[^\W\d_][,;:)»”’.]\d)|(?<=[^\W\d_][,;:)»”’]\.\d))"
    r"\d{0,2}(?![\d/]|[.,]\d)"
)
_LETTERS_BEFORE_RE = re.compile(r"[^\W\d_]*")
# The same call printed as a superscript ("2030¹", "organisée¹⁵,").
_SUPERSCRIPT_CALL_RE = re.compile(
    rf"[{SUPERSCRIPT_DIGITS}](?<=[^\s{SUPERSCRIPT_DIGITS}][{SUPERSCRIPT_DIGITS}])[{SUPERSCRIPT_DIGITS}]*"
)
# Words after which a number is a reference, not a footnote call ("Add.1", "No.3", "para.12").
_NOT_CALLS = words(
    "Add Rev Corr Suppl Amend No Nos no nos para paras par art Art vol Vol chap sect pp"
)


def _first_calls(text: str) -> dict[int, int]:
    """For each plain footnote number called in ``text``, the offset of its first call."""
    first: dict[int, int] = {}
    backwards = text[::-1]
    for match in _PLAIN_CALL_RE.finditer(text):
        word_end = match.start()
        while text[word_end - 1] in ",;:)»”’.":  # step back over the punctuation (two at most)
            word_end -= 1
        at = len(text) - word_end
        letters = _LETTERS_BEFORE_RE.match(backwards, at)
        assert letters is not None  # [^\W\d_]* matches everywhere
        word_start = word_end - (letters.end() - at)
        word = text[word_start:word_end]
        before = text[word_start - 1] if word_start else " "
        # A real word of two letters or more, not a piece of a symbol ("N.7" in "E/CN.7/…").
        if len(word) >= 2 and word not in _NOT_CALLS and not (before.isalnum() or before in "/."):
            first.setdefault(int(match.group()), match.start())
    for match in _SUPERSCRIPT_CALL_RE.finditer(text):
        number = int(match.group().translate(_TO_DIGITS))
        first[number] = min(first.get(number, match.start()), match.start())
    return first


def _lines(text: str) -> Iterator[tuple[int, int] | None]:
    """The lines of ``text`` as stripped (start, end) spans, None for a blank line or page break."""
    position = 0
    for match in _BREAK_RE.finditer(text):
        start, end = strip_bounds(text, position, match.start())
        yield (start, end) if start < end else None
        if match.group() in _PAGE_BREAKS:
            yield None
        position = match.end()
    start, end = strip_bounds(text, position, len(text))
    yield (start, end) if start < end else None


@dataclass(frozen=True, slots=True)
class RawParagraph:
    """A paragraph of the cleaned document: its pieces of input text, in order."""

    pieces: tuple[Span, ...]
    footnote: bool = False


@dataclass(slots=True)
class CleanDocument:
    """The cleaned document: body paragraphs, then footnote paragraphs; the furniture dropped."""

    paragraphs: list[RawParagraph]
    dropped: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class _Block:
    pieces: list[Span]
    footnote: bool


def _blocks(text: str) -> tuple[list[_Block], list[Span]]:
    """Lines grouped into body and footnote blocks, in document order; the furniture dropped."""
    blocks: list[_Block] = []
    dropped: list[Span] = []
    current: _Block | None = None
    # Plain numbers open footnotes only in sequence and once the body has called them.
    last_footnote = 0
    calls: dict[int, int] | None = None  # made at the first line that starts with a number
    for line in _lines(text):
        if line is None:
            current = None
            continue
        start, end = line
        content = text[start:end]
        if is_furniture(content):
            dropped.append(Span(start, end))
            current = None
            continue
        footnote = False
        superscript = _SUPERSCRIPT_MARK_RE.match(content)
        if superscript is not None:
            footnote = True
            last_footnote = int(superscript.group().translate(_TO_DIGITS))
        elif (plain := _PLAIN_MARK_RE.match(content)) is not None:
            number = int(plain.group(1))
            if calls is None:
                calls = _first_calls(text)
            if 0 < number - last_footnote <= 3 and calls.get(number, end) < start:
                footnote = True
                last_footnote = number
        if footnote or current is None:
            current = _Block([Span(start, end)], footnote)
            blocks.append(current)
        else:
            current.pieces.append(Span(start, end))
    return blocks, dropped


# -- paragraphs cut by a page break --------------------------------------------------------------

# What a paragraph can end on; anything else means it goes on after the break. Footnote calls and
# emphasis marks after the punctuation are looked through.
_TERMINAL = frozenset(".;:!?»)…”]")
_TRAILING_MARKS = SUPERSCRIPT_DIGITS + "*_ " + TRIM
# An item label opens a new paragraph, even in lower case: "a) Promouvoir", "(iv) …", "2. …".
_ITEM_LABEL_RE = re.compile(
    r"\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]{1,2}|[A-Z]|[ivxlcdm]{1,6}|[IVXLCDM]{1,6})[).](?:\s|$)"
)
# Words a paragraph cannot end on: a paragraph ending on one was cut by a page break.
_DANGLING = {
    "fr": words(
        "le la les l' un une des de du d' à au aux et ou ni en dans par pour sur sous avec sans"
        " entre vers contre chez que qu' qui dont ne n' se s' sa son ses leur leurs ce cet cette"
        " ces notre nos votre vos y auprès selon lors afin"
    ),
    "en": words(
        "the a an of to in on at by for from with and or nor as that which who whose its their"
        " his her our this these those into onto upon between against within without under"
        " over than whether"
    ),
}
_DANGLING_ANY = _DANGLING["fr"] | _DANGLING["en"]


def _continues(previous: str, following: str, lang: str) -> bool:
    """Whether body text ``following`` goes on with the paragraph that ended with ``previous``."""
    ending = previous.rstrip(_TRAILING_MARKS)
    if not ending or ending[-1] in _TERMINAL:
        return False
    if _ITEM_LABEL_RE.match(following):
        return False
    first = following[0]
    if first.isalpha() and first.islower():
        return True
    last_word = ending.rsplit(None, 1)[-1].lower().replace("’", "'")
    # An elided article ("l'", "qu'") waits for its noun, on the next page.
    return last_word.endswith("'") or last_word in _DANGLING.get(lang, _DANGLING_ANY)


def clean(text: str, lang: str) -> CleanDocument:
    """Paragraphs of a raw UN document: furniture dropped, footnotes lifted, page breaks mended."""
    lang = primary_language(lang)
    blocks, dropped = _blocks(text)
    body: list[list[Span]] = []
    footnotes: list[RawParagraph] = []
    for block in blocks:
        if block.footnote:
            footnotes.append(RawParagraph(tuple(block.pieces), footnote=True))
            continue
        if body:
            last = body[-1][-1]
            first = block.pieces[0]
            if _continues(text[last.start : last.end], text[first.start : first.end], lang):
                body[-1].extend(block.pieces)
                continue
        body.append(list(block.pieces))
    paragraphs = [RawParagraph(tuple(pieces)) for pieces in body] + footnotes
    return CleanDocument(paragraphs, dropped)
