"""The aligner's entry point: French text and English text in, an :class:`Alignment` out.

    from alignment import align
    result = align(french_text, english_text)                       # raw documents
    result = align(french_lines, english_lines, presegmented=True)  # one sentence a line

Raw input goes through the UN printed-document clean-up and sentence segmentation
(:mod:`alignment.segment`); the body and the footnotes of the two sides are then aligned
separately by the banded search of :mod:`alignment.search` on the features of
:mod:`alignment.features`, and sentence beads are grouped into paragraph beads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from alignment.features import (
    LexicalSpace,
    Translations,
    side_features,
    units,
)
from alignment.lexicon import Lexicon
from alignment.search import CostModel, align_features
from alignment.types import Alignment, Bead, Paragraph, ParagraphBead, Side


class AlignmentError(ValueError):
    """Input that cannot be aligned; the message says why, in words a user can act on."""


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """How to align.

    - ``presegmented``: one sentence a line, an empty line between paragraphs (no clean-up).
    - ``band``: half-width of the search band around the coarse path, in sentences. Wider is
      more robust to long stretches with no counterpart, and proportionally slower.
    - ``max_sentence_chars``: a "sentence" longer than this is refused: it is a text with no
      sentence punctuation or not text at all.
    - ``cost``: the weights of the bead cost (:class:`alignment.search.CostModel`).
    """

    presegmented: bool = False
    band: int = 8
    max_sentence_chars: int = 20_000
    cost: CostModel = field(default_factory=CostModel)


def align(
    fr_text: str,
    en_text: str,
    *,
    presegmented: bool = False,
    options: AlignOptions | None = None,
    anchors: Iterable[tuple[str, str]] = (),
) -> Alignment:
    """Align a French text with its English original.

    ``anchors`` are extra French/English term pairs (plain pairs of strings, e.g. termbase
    equivalents) that count as translation links. Raises :class:`AlignmentError` for input that
    cannot be aligned (an empty side, binary data, a text without sentence boundaries).
    """
    from alignment.segment import segment_presegmented, segment_raw

    options = options or AlignOptions(presegmented=presegmented)
    presegmented = presegmented or options.presegmented
    _check_text(fr_text, "French")
    _check_text(en_text, "English")
    segment = segment_presegmented if presegmented else segment_raw
    fr = segment(fr_text, "fr")
    en = segment(en_text, "en")
    return align_sides(fr, en, options=options, anchors=anchors)


def align_sides(
    fr: Side,
    en: Side,
    *,
    options: AlignOptions | None = None,
    anchors: Iterable[tuple[str, str]] = (),
) -> Alignment:
    """Align two segmented sides (see :mod:`alignment.segment`)."""
    options = options or AlignOptions()
    warnings: list[str] = []
    for side, name in ((fr, "French"), (en, "English")):
        if not side.sentences:
            raise AlignmentError(f"the {name} side has no text to align")
        longest = max(side.sentences, key=lambda s: len(s.text))
        if len(longest.text) > options.max_sentence_chars:
            raise AlignmentError(
                f"the {name} side has a 'sentence' of {len(longest.text):,} characters "
                f"(at offset {longest.start}): it has no sentence boundaries to align on"
            )
    warnings.extend(_language_warnings(fr, en))
    translations = _translations(anchors)
    beads: list[Bead] = []
    for fr_part, en_part in ((fr.body, en.body), (fr.footnotes, en.footnotes)):
        beads.extend(_align_part(fr, en, fr_part, en_part, options, translations))
    paragraphs = _paragraph_beads(fr, en, beads)
    ratio = _length_ratio(fr, en)
    if ratio > 2.5 or ratio < 0.4:
        warnings.append(
            f"the French side is {ratio:.1f} times as long as the English side: check that the "
            "two texts are translations of each other"
        )
    one_sided = sum(1 for b in beads if not b.fr or not b.en)
    if beads and one_sided / len(beads) > 0.5:
        warnings.append(
            f"{one_sided} of {len(beads)} beads have a sentence on one side only: the texts may "
            "not be translations of each other"
        )
    return Alignment(fr=fr, en=en, paragraphs=paragraphs, warnings=warnings)


def _check_text(text: str, name: str) -> None:
    if not text.strip():
        raise AlignmentError(f"the {name} text is empty")
    sample = text[:100_000]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f")
    if "\x00" in sample or controls > max(10, len(sample) // 100):
        raise AlignmentError(f"the {name} text looks like binary data, not text")


def _translations(anchors: Iterable[tuple[str, str]]) -> Translations:
    table: dict[str, list[tuple[str, float]]] = {}
    for french, english in anchors:
        targets = [u for u in units(english)]
        for unit in units(french):
            table.setdefault(unit, []).extend((t, 1.0) for t in targets)
    return Translations({k: tuple(v) for k, v in table.items()})


def _align_part(
    fr: Side,
    en: Side,
    fr_paragraphs: Sequence[Paragraph],
    en_paragraphs: Sequence[Paragraph],
    options: AlignOptions,
    translations: Translations,
) -> list[Bead]:
    fr_ids = [i for p in fr_paragraphs for i in p.sentences]
    en_ids = [j for p in en_paragraphs for j in p.sentences]
    if not fr_ids and not en_ids:
        return []
    fr_features = _features(fr, fr_paragraphs, "fr", translations)
    en_features = _features(en, en_paragraphs, "en", translations)
    path = align_features(fr_features, en_features, options.cost, band=options.band)
    beads = []
    for fr_local, en_local, cost in path:
        furniture = all(fr.sentences[fr_ids[i]].furniture for i in fr_local) and all(
            en.sentences[en_ids[j]].furniture for j in en_local
        )
        beads.append(
            Bead(
                fr=tuple(fr_ids[i] for i in fr_local),
                en=tuple(en_ids[j] for j in en_local),
                confidence=_confidence(cost, bool(fr_local and en_local), furniture, options.cost),
            )
        )
    return beads


def _features(side: Side, paragraphs: Sequence[Paragraph], lang: str, translations: Translations):  # type: ignore[no-untyped-def]
    texts: list[str] = []
    starts: list[bool] = []
    furniture: list[bool] = []
    for paragraph in paragraphs:
        for k, index in enumerate(paragraph.sentences):
            sentence = side.sentences[index]
            texts.append(sentence.text)
            starts.append(k == 0)
            furniture.append(sentence.furniture)
    return side_features(
        texts,
        lang,
        paragraph_start=starts,
        furniture=furniture,
        translations=translations,
        space=_space() if USE_LEXICON else None,
        words=USE_WORDS,
    )


USE_LEXICON = True
USE_WORDS = True


@lru_cache(maxsize=1)
def _space() -> LexicalSpace:
    return LexicalSpace(Lexicon.load_default())


def _confidence(cost_per_sentence: float, linked: bool, furniture: bool, model: CostModel) -> float:
    """A bead's confidence in [0, 1] from its cost per sentence (a logistic calibration)."""
    if not linked:
        return 0.95 if furniture or cost_per_sentence <= model.furniture_cost else 0.6
    return round(1.0 / (1.0 + math.exp(2.5 * (cost_per_sentence - 2.2))), 4)


def _paragraph_beads(fr: Side, en: Side, beads: list[Bead]) -> list[ParagraphBead]:
    """Group consecutive sentence beads that share a paragraph on either side."""
    groups: list[ParagraphBead] = []
    fr_par = [s.paragraph for s in fr.sentences]
    en_par = [s.paragraph for s in en.sentences]
    footnote_fr = {p.index for p in fr.paragraphs if p.footnote}
    footnote_en = {p.index for p in en.paragraphs if p.footnote}
    current: ParagraphBead | None = None
    for bead in beads:
        fr_ps = tuple(dict.fromkeys(fr_par[i] for i in bead.fr))
        en_ps = tuple(dict.fromkeys(en_par[j] for j in bead.en))
        joins = current is not None and (
            bool(set(fr_ps) & set(current.fr)) or bool(set(en_ps) & set(current.en))
        )
        if current is None or not joins:
            current = ParagraphBead(
                fr=fr_ps,
                en=en_ps,
                confidence=bead.confidence,
                sentences=[bead],
                footnotes=bool(set(fr_ps) & footnote_fr or set(en_ps) & footnote_en),
            )
            groups.append(current)
        else:
            current.fr = tuple(dict.fromkeys(current.fr + fr_ps))
            current.en = tuple(dict.fromkeys(current.en + en_ps))
            current.sentences.append(bead)
    for group in groups:
        sizes = [max(len(b.fr) + len(b.en), 1) for b in group.sentences]
        group.confidence = round(
            sum(b.confidence * w for b, w in zip(group.sentences, sizes, strict=True)) / sum(sizes),
            4,
        )
    return groups


def _length_ratio(fr: Side, en: Side) -> float:
    fr_chars = sum(len(s.text) for s in fr.sentences)
    en_chars = sum(len(s.text) for s in en.sentences)
    return fr_chars / max(en_chars, 1)


_FR_WORDS = frozenset("le la les des du et est une dans pour que qui sur par au aux".split())
_EN_WORDS = frozenset("the of and to in is that for on with by as are this from".split())
_WORD_RE = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str | None:
    """'fr', 'en', or None when the text has too few function words to tell."""
    words = [w.lower() for w in _WORD_RE.findall(text[:50_000])]
    fr_hits = sum(w in _FR_WORDS for w in words)
    en_hits = sum(w in _EN_WORDS for w in words)
    if fr_hits + en_hits < 20:
        return None
    if fr_hits > 2 * en_hits:
        return "fr"
    if en_hits > 2 * fr_hits:
        return "en"
    return None


def _language_warnings(fr: Side, en: Side) -> list[str]:
    fr_lang = guess_language(" ".join(s.text for s in fr.sentences))
    en_lang = guess_language(" ".join(s.text for s in en.sentences))
    warnings = []
    if fr_lang == "en" and en_lang == "fr":
        warnings.append("the French side looks English and the English side French: swapped?")
    elif fr_lang == en_lang and fr_lang is not None:
        name = "French" if fr_lang == "fr" else "English"
        warnings.append(f"both sides look {name}: the alignment pairs a text with itself")
    elif fr_lang == "en":
        warnings.append("the French side looks English")
    elif en_lang == "fr":
        warnings.append("the English side looks French")
    return warnings
