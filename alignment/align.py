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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from alignment.features import (
    STOP_UNITS,
    LexicalSpace,
    Translations,
    side_features,
    translation_vectors,
    units,
)
from alignment.lexicon import Lexicon
from alignment.search import MAX_CELLS, CostModel, SideFeatures, align_features, find_corridor
from alignment.sparse import SparseRows
from alignment.types import Alignment, Bead, Paragraph, ParagraphBead, Side

REALIGN_PASSES = 1


class AlignmentError(ValueError):
    """Input that cannot be aligned; the message says why, in words a user can act on."""


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """How to align.

    - ``presegmented``: one sentence a line, an empty line between paragraphs (no clean-up).
    - ``margin``: how many sentences the search corridor reaches beyond the anchors around it
      (see :mod:`alignment.anchors`); an anchor off by up to that much does no harm.
    - ``max_cells``: the most cells the search may visit, which bounds its memory (about 21
      bytes a cell); past it, the widest stretches between anchors are searched in a band
      around their diagonal.
    - ``realign``: passes after the first, each with word pairs learnt from the previous pass's
      confident 1-1 beads (0: none), window by window (``realign_window`` beads); only where
      at least ``realign_threshold`` of the linked beads are doubtful (an easy document gains
      nothing from it, and it doubles the time).
    - ``max_sentence_chars``: a "sentence" longer than this is refused: it is a text with no
      sentence punctuation or not text at all.
    - ``cost``: the weights of the bead cost (:class:`alignment.search.CostModel`).
    """

    presegmented: bool = False
    margin: int = 8
    max_cells: int = MAX_CELLS
    realign: int = REALIGN_PASSES
    realign_threshold: float = 0.1
    realign_window: int = 1000
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


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _check_text(text: str, name: str) -> None:
    if not text.strip():
        raise AlignmentError(f"the {name} text is empty")
    sample = text[:20_000]
    controls = len(_CONTROL_RE.findall(sample))
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
    fr_paragraph = [fr.sentences[i].paragraph for i in fr_ids]
    en_paragraph = [en.sentences[j].paragraph for j in en_ids]
    fr_units = [units(fr.sentences[i].text) for i in fr_ids]
    en_units = [units(en.sentences[j].text) for j in en_ids]
    fr_features = _features(fr, fr_paragraphs, "fr", translations, fr_units)
    en_features = _features(en, en_paragraphs, "en", translations, en_units)
    within = find_corridor(
        fr_features, en_features, margin=options.margin, max_cells=options.max_cells
    )
    path = align_features(fr_features, en_features, options.cost, within=within)
    first_vectors = fr_features.vectors
    for _ in range(options.realign):
        # Further passes, as hunalign and Moore do: learn word pairs from the text's own
        # confident 1-1 beads (names, recurring vocabulary the shipped lexicon lacks), realign.
        extra = _learned_vectors(fr_units, en_units, path, translations, options)
        if extra is None:
            break
        fr_features = replace(fr_features, vectors=first_vectors + extra)
        path = align_features(fr_features, en_features, options.cost, within=within)
    beads = []
    for fr_local, en_local, cost in _group_one_sided(path, fr_paragraph, en_paragraph):
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


def _learned_vectors(
    fr_units: Sequence[Sequence[str]],
    en_units: Sequence[Sequence[str]],
    path: Sequence[tuple[tuple[int, ...], tuple[int, ...], float]],
    translations: Translations,
    options: AlignOptions,
) -> SparseRows | None:
    """What word pairs learnt from the path add to the French vectors (None: nothing).

    Word pairs are learnt window by window (``realign_window`` beads, from the beads of the
    window and half a window either side), and only for the windows where enough beads are
    doubtful: a long text is often several texts (a report and its annexes, a batch of
    documents end to end), and what one of them teaches says little about the others. A
    document shorter than a window is one window, so it is treated as a whole, alone or not.
    """
    window = options.realign_window
    n = len(fr_units)
    parts: list[tuple[int, SparseRows]] = []
    for start in range(0, len(path), window):
        beads = path[start : start + window]
        if not _uncertain(beads, options.realign_threshold):
            continue
        context = path[max(start - window // 2, 0) : start + window + window // 2]
        learned = _learn_translations(fr_units, en_units, context)
        extra = {u: t for u, t in learned.table.items() if u not in translations.table}
        rows = [i for fr_local, _, _ in beads for i in fr_local]
        if extra and rows:
            first, last = rows[0], rows[-1] + 1
            parts.append((first, translation_vectors(fr_units[first:last], extra)))
    if not parts:
        return None
    return SparseRows.stacked(parts, n)


def _uncertain(
    path: Sequence[tuple[tuple[int, ...], tuple[int, ...], float]], threshold: float
) -> bool:
    """Whether enough linked beads are doubtful (cost per sentence over 1.0) to realign."""
    linked = [cost for fr, en, cost in path if fr and en]
    if not linked:
        return False
    return sum(1 for cost in linked if cost > 1.0) >= threshold * len(linked)


def _group_one_sided(
    path: Sequence[tuple[tuple[int, ...], tuple[int, ...], float]],
    fr_paragraph: Sequence[int],
    en_paragraph: Sequence[int],
) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """Consecutive sentences of one paragraph left out on the same side become one bead.

    A passage a translator skipped is one gap, not one gap per sentence; lines of page furniture
    each stand in a paragraph of their own and stay separate.
    """
    grouped: list[tuple[tuple[int, ...], tuple[int, ...], float]] = []
    for fr_local, en_local, cost in path:
        if grouped and not (fr_local and en_local):
            last_fr, last_en, last_cost = grouped[-1]
            same_side = bool(fr_local) == bool(last_fr) and not (last_fr and last_en)
            if same_side and fr_local and fr_paragraph[fr_local[0]] == fr_paragraph[last_fr[-1]]:
                grouped[-1] = (last_fr + fr_local, (), max(cost, last_cost))
                continue
            if same_side and en_local and en_paragraph[en_local[0]] == en_paragraph[last_en[-1]]:
                grouped[-1] = ((), last_en + en_local, max(cost, last_cost))
                continue
        grouped.append((fr_local, en_local, cost))
    return grouped


def _learn_translations(
    fr_units: Sequence[Sequence[str]],
    en_units: Sequence[Sequence[str]],
    path: Sequence[tuple[tuple[int, ...], tuple[int, ...], float]],
    *,
    max_pairs: int = 2_000,
    min_count: int | None = None,
    min_dice: float = 0.3,
) -> Translations:
    """Word pairs that co-occur in the document's most confident 1-1 beads (Dice coefficient).

    A pair must be seen ``min_count`` times: by default 3 in a short document, where two chance
    co-occurrences are easy, and 2 in a long one (200 beads or more), where rare words matter.
    """
    if min_count is None:
        min_count = 2 if len(path) >= 200 else 3
    pairs = sorted(
        ((cost, f[0], e[0]) for f, e, cost in path if len(f) == 1 and len(e) == 1),
        key=lambda item: item[0],
    )
    pairs = pairs[: min(max_pairs, max(len(pairs) * 2 // 3, 1))]
    fr_count: Counter[str] = Counter()
    en_count: Counter[str] = Counter()
    joint: Counter[tuple[str, str]] = Counter()
    bags = []
    for _cost, i, j in pairs:
        # dicts, not sets: first-seen order keeps the result independent of string hashing
        fr_bag = list(dict.fromkeys(u for u in fr_units[i] if u not in STOP_UNITS and u[0] != "#"))
        en_bag = list(dict.fromkeys(u for u in en_units[j] if u not in STOP_UNITS and u[0] != "#"))
        fr_count.update(fr_bag)
        en_count.update(en_bag)
        bags.append((fr_bag, en_bag))
    # Only words seen often enough on their own side can make a pair: counting the others'
    # co-occurrences (most words occur once) would be most of the work for nothing.
    for fr_bag, en_bag in bags:
        fr_frequent = [f for f in fr_bag if fr_count[f] >= min_count]
        en_frequent = [e for e in en_bag if en_count[e] >= min_count]
        joint.update((f, e) for f in fr_frequent for e in en_frequent)
    table: dict[str, list[tuple[str, float]]] = {}
    for (f, e), count in joint.items():
        if count < min_count or f == e:
            continue
        dice = 2.0 * count / (fr_count[f] + en_count[e])
        if dice >= min_dice:
            table.setdefault(f, []).append((e, dice))
    return Translations({f: tuple(sorted(v, key=lambda x: -x[1])[:3]) for f, v in table.items()})


def _features(
    side: Side,
    paragraphs: Sequence[Paragraph],
    lang: str,
    translations: Translations,
    sentence_units: Sequence[Sequence[str]] | None = None,
) -> SideFeatures:
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
        space=_space(),
        sentence_units=sentence_units,
    )


@lru_cache(maxsize=1)
def _space() -> LexicalSpace:
    return LexicalSpace(Lexicon.load_default())


def _confidence(cost_per_sentence: float, linked: bool, furniture: bool, model: CostModel) -> float:
    """A bead's confidence in [0, 1]: the chance that it is right, from its cost per sentence.

    Calibrated on the development sets (bin by bin, a logistic fit of strict correctness on the
    cost: beads under 0.5 are right 99% of the time, 0.5-1.0 92%, 1.0-1.5 77%, above 1.5 under
    half). Page furniture left unaligned is right 99%+ of the time, other one-sided beads about
    85% (far more on UN documents, far less on literary text).
    """
    if not linked:
        return 0.99 if furniture else 0.85
    return round(1.0 / (1.0 + math.exp(3.75 * (cost_per_sentence - 1.4))), 4)


def _paragraph_beads(fr: Side, en: Side, beads: list[Bead]) -> list[ParagraphBead]:
    """Group consecutive sentence beads that share a paragraph on either side."""
    groups: list[ParagraphBead] = []
    fr_par = [s.paragraph for s in fr.sentences]
    en_par = [s.paragraph for s in en.sentences]
    footnote_fr = {p.index for p in fr.paragraphs if p.footnote}
    footnote_en = {p.index for p in en.paragraphs if p.footnote}
    current: ParagraphBead | None = None
    for bead in beads:
        fr_ps = _paragraphs_of(bead.fr, fr_par)
        en_ps = _paragraphs_of(bead.en, en_par)
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


def _paragraphs_of(sentences: tuple[int, ...], paragraph: list[int]) -> tuple[int, ...]:
    """The paragraphs of a bead's sentences on one side, in order, each once."""
    if len(sentences) == 1:  # most beads
        return (paragraph[sentences[0]],)
    return tuple(dict.fromkeys(paragraph[i] for i in sentences))


def _length_ratio(fr: Side, en: Side) -> float:
    fr_chars = sum(len(s.text) for s in fr.sentences)
    en_chars = sum(len(s.text) for s in en.sentences)
    return fr_chars / max(en_chars, 1)


_FR_WORDS = frozenset("le la les des du et est une dans pour que qui sur par au aux".split())
_EN_WORDS = frozenset("the of and to in is that for on with by as are this from".split())
_WORD_RE = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str | None:
    """'fr', 'en', or None when the text has too few function words to tell."""
    words = _WORD_RE.findall(text[:10_000].lower())
    fr_hits = sum(map(_FR_WORDS.__contains__, words))
    en_hits = sum(map(_EN_WORDS.__contains__, words))
    if fr_hits + en_hits < 20:
        return None
    if fr_hits > 2 * en_hits:
        return "fr"
    if en_hits > 2 * fr_hits:
        return "en"
    return None


def _opening(side: Side, chars: int = 10_000) -> str:
    """The first ``chars`` characters or so of a side's text, enough to tell its language."""
    parts: list[str] = []
    size = 0
    for sentence in side.sentences:
        parts.append(sentence.text)
        size += len(sentence.text) + 1
        if size >= chars:
            break
    return " ".join(parts)


def _language_warnings(fr: Side, en: Side) -> list[str]:
    fr_lang = guess_language(_opening(fr))
    en_lang = guess_language(_opening(en))
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
