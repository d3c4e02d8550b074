"""The data of an alignment: segmented sides, sentence beads, paragraph beads.

Everything here is plain data (dataclasses of ints, strings and tuples), so results can be sent
over process boundaries, serialised to JSON, and compared in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the input text: ``text == input[start:end]`` (offsets in code points)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of one side.

    ``index`` counts the side's sentences from 0 over the body and then the footnotes, in order
    (the numbering of the beads format). ``text`` is the sentence as aligned: for a sentence that
    a page break cut in two, the two pieces joined by a space. ``spans`` locate it in the input.
    """

    index: int
    text: str
    spans: tuple[Span, ...]
    paragraph: int
    furniture: bool = False  # page furniture kept in pre-segmented input (job number, symbol …)

    @property
    def start(self) -> int:
        return self.spans[0].start

    @property
    def end(self) -> int:
        return self.spans[-1].end


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of one side: the indices of its sentences (consecutive)."""

    index: int
    sentences: tuple[int, ...]
    footnote: bool = False


@dataclass(slots=True)
class Side:
    """One side of a document pair, segmented: its sentences and paragraphs.

    Body paragraphs come first, then footnote paragraphs (``footnote=True``); sentence and
    paragraph indices run on over both. ``dropped`` lists the page furniture removed from raw
    input, so nothing disappears without a trace.
    """

    lang: str
    sentences: list[Sentence]
    paragraphs: list[Paragraph]
    dropped: list[Span] = field(default_factory=list)

    @property
    def body(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if not p.footnote]

    @property
    def footnotes(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.footnote]


@dataclass(frozen=True, slots=True)
class Bead:
    """A sentence bead: French sentence indices linked to English sentence indices.

    ``confidence`` is the chance that the bead is right; ``review`` says why a translator
    should look at it (``"omission"``, ``"addition"``, ``"mismatch"``; see
    :mod:`alignment.confidence`), or is None.
    """

    fr: tuple[int, ...]
    en: tuple[int, ...]
    confidence: float
    review: str | None = None

    @property
    def type(self) -> str:
        return f"{len(self.fr)}-{len(self.en)}"


@dataclass(slots=True)
class ParagraphBead:
    """Paragraphs linked across sides, with the sentence beads inside them."""

    fr: tuple[int, ...]
    en: tuple[int, ...]
    confidence: float
    sentences: list[Bead]
    footnotes: bool = False

    @property
    def type(self) -> str:
        return f"{len(self.fr)}-{len(self.en)}"


@dataclass(slots=True)
class Alignment:
    """The result: both sides and the paragraph beads (body first, then footnotes)."""

    fr: Side
    en: Side
    paragraphs: list[ParagraphBead]
    warnings: list[str] = field(default_factory=list)

    @property
    def beads(self) -> list[Bead]:
        """Every sentence bead, in order; together they cover every sentence of both sides."""
        return [bead for paragraph in self.paragraphs for bead in paragraph.sentences]
