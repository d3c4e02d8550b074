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

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from alignment.confidence import REVIEW_REASONS, Calibration
from alignment.costs import CostModel
from alignment.features import (
    STOP_UNITS,
    LexicalSpace,
    Translations,
    side_features,
    translation_vectors,
    units,
)
from alignment.lexicon import Lexicon
from alignment.search import (
    MAX_CELLS,
    SideFeatures,
    align_features,
    bead_evidence,
    find_corridor,
)
from alignment.sparse import SparseRows
from alignment.types import Alignment, Bead, Paragraph, ParagraphBead, Side

# The most sentences a side may have (see AlignOptions.max_sentences).
MAX_SENTENCES = 64_000


class AlignmentError(ValueError):
    """Input that cannot be aligned; the message says why, in words a user can act on."""


class LanguageMismatch(AlignmentError):
    """The two sides look swapped, or in the same language (when asked to check)."""


class AlignmentTooLarge(AlignmentError):
    """Input over a size limit (sentences a side): split it, or raise the limit."""


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """How to align.

    - ``presegmented``: one sentence a line, an empty line between paragraphs (no clean-up).
    - ``margin``: how many sentences the search corridor reaches beyond the anchors around it
      (see :mod:`alignment.anchors`); an anchor off by up to that much does no harm.
    - ``max_cells``: the most cells the search may visit, which bounds its memory (about 21
      bytes a cell); past it, the widest stretches between anchors are searched in a band
      around their diagonal.
    - ``realign``: whether the second pass adds word pairs learnt from the first pass's
      confident 1-1 beads, window by window (``realign_window`` beads); only where at least
      ``realign_threshold`` of the linked beads are doubtful (an easy document gains nothing).
    - ``max_sentence_chars``: a "sentence" longer than this is refused: it is a text with no
      sentence punctuation or not text at all.
    - ``cost``: the weights of the bead cost (:class:`alignment.costs.CostModel`).
    - ``calibration``: how a bead's confidence and review flag follow from what the search
      knows of it (:class:`alignment.confidence.Calibration`).
    - ``check_languages``: refuse (:class:`LanguageMismatch`) two sides that look swapped or
      in the same language, instead of aligning them with a warning.
    - ``max_sentences``: the most sentences a side may have; more is refused
      (:class:`AlignmentTooLarge`) before anything is built, which bounds memory (about 700 MB
      at the limit on real text).
    """

    presegmented: bool = False
    margin: int = 8
    max_cells: int = MAX_CELLS
    realign: bool = True
    realign_threshold: float = 0.1
    realign_window: int = 1000
    max_sentence_chars: int = 20_000
    cost: CostModel = field(default_factory=CostModel)
    calibration: Calibration = field(default_factory=Calibration)
    max_sentences: int = MAX_SENTENCES
    check_languages: bool = False


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
    if presegmented:  # refused before anything is built for the lines
        for text, name in ((fr_text, "French"), (en_text, "English")):
            _check_sentence_count(
                sum(1 for line in text.splitlines() if line.strip()), name, options
            )
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
        _check_sentence_count(len(side.sentences), name, options)
        longest = max(side.sentences, key=lambda s: len(s.text))
        if len(longest.text) > options.max_sentence_chars:
            raise AlignmentError(
                f"the {name} side has a 'sentence' of {len(longest.text):,} characters "
                f"(at offset {longest.start}): it has no sentence boundaries to align on"
            )
    language_warnings = _language_warnings(fr, en)
    if (
        options.check_languages
        and language_warnings
        and language_warnings[0].startswith(_REFUSED_LANGUAGE_WARNINGS)
    ):
        raise LanguageMismatch(language_warnings[0])
    warnings.extend(language_warnings)
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
    flagged = Counter(bead.review for bead in beads if bead.review)
    if flagged:
        reasons = ", ".join(
            f"{flagged[reason]} {_PLURALS[reason] if flagged[reason] > 1 else reason}"
            for reason in REVIEW_REASONS
            if flagged[reason]
        )
        warnings.append(f"{sum(flagged.values())} beads to review: {reasons}")
    one_sided = sum(1 for b in beads if not b.fr or not b.en)
    if beads and one_sided / len(beads) > 0.5:
        warnings.append(
            f"{one_sided} of {len(beads)} beads have a sentence on one side only: the texts may "
            "not be translations of each other"
        )
    return Alignment(fr=fr, en=en, paragraphs=paragraphs, warnings=warnings)


_PLURALS = {"omission": "omissions", "addition": "additions", "mismatch": "mismatches"}


def _check_sentence_count(count: int, name: str, options: AlignOptions) -> None:
    if count > options.max_sentences:
        raise AlignmentTooLarge(
            f"the {name} side has {count:,} sentences; at most {options.max_sentences:,} a side "
            "can be aligned at once: split the document"
        )


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
    fr_units = [units(fr.sentences[i].text) for i in fr_ids]
    en_units = [units(en.sentences[j].text) for j in en_ids]
    fr_features = _features(fr, fr_paragraphs, "fr", translations, fr_units)
    en_features = _features(en, en_paragraphs, "en", translations, en_units)
    within = find_corridor(
        fr_features, en_features, margin=options.margin, max_cells=options.max_cells
    )
    path = align_features(fr_features, en_features, options.cost, within=within)
    # A second pass, with what the first taught about this text: how dear leaving a sentence
    # out should be, and (as hunalign and Moore do) word pairs learnt from its confident 1-1
    # beads where many beads were doubtful (names, recurring vocabulary the lexicon lacks).
    model = adapted_model(path, options.cost)
    extra = _learned_vectors(fr_units, en_units, path, translations, options)
    if extra is not None:
        fr_features = replace(fr_features, vectors=fr_features.vectors + extra)
    if extra is not None or model != options.cost:
        path = align_features(fr_features, en_features, model, within=within)
    evidence = bead_evidence(fr_features, en_features, path, model)
    calibration = options.calibration
    one_to_one = [evidence.similarity[k] for k, b in enumerate(path) if len(b[0]) == len(b[1]) == 1]
    typical = float(np.median(one_to_one)) if one_to_one else 0.0
    beads = []
    for k, (fr_local, en_local, cost) in enumerate(path):
        if fr_local and en_local:
            confidence, review = calibration.linked_bead(
                cost,
                float(evidence.similarity[k]),
                float(evidence.length_z[k]),
                len(fr_local) + len(en_local),
                typical,
            )
        else:
            sentence = (
                fr.sentences[fr_ids[fr_local[0]]] if fr_local else en.sentences[en_ids[en_local[0]]]
            )
            confidence, review = calibration.one_sided_bead(
                bool(fr_local), float(evidence.nearby[k]), len(sentence.text), sentence.furniture
            )
        beads.append(
            Bead(
                fr=tuple(fr_ids[i] for i in fr_local),
                en=tuple(en_ids[j] for j in en_local),
                confidence=confidence,
                review=review,
            )
        )
    return beads


def adapted_model(
    path: Sequence[tuple[tuple[int, ...], tuple[int, ...], float]], model: CostModel
) -> CostModel:
    """The cost model with a deletion cost fitted to this text, from a first pass's path.

    What leaving a sentence out should cost depends on the text, as Vecalign's deletion cost
    (a percentile of the document's own costs) does: in UN documents true 1-1 beads cost
    little (median 0.24 on the development set) and a sentence that links badly is most likely
    one the other side lacks; in literary translation true beads cost more (median 0.65) and a
    costly link is still usually right. The deletion cost is ``delete_base + delete_slope ×``
    the median cost of the path's 1-1 beads (unchanged when it has fewer than
    ``MIN_BEADS_TO_ADAPT``).
    """
    if model.delete_slope == 0:
        return model
    costs = sorted(cost for fr, en, cost in path if len(fr) == 1 and len(en) == 1)
    if len(costs) < MIN_BEADS_TO_ADAPT:
        return model
    median = costs[len(costs) // 2]
    return replace(model, delete_cost=round(model.delete_base + model.delete_slope * median, 3))


# Fewer 1-1 beads than this say too little about a text to fit its deletion cost.
MIN_BEADS_TO_ADAPT = 5


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
    if not options.realign:
        return None
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


def _paragraph_beads(fr: Side, en: Side, beads: list[Bead]) -> list[ParagraphBead]:
    """Group consecutive sentence beads that share a paragraph on either side."""
    groups: list[ParagraphBead] = []
    fr_par = [s.paragraph for s in fr.sentences]
    en_par = [s.paragraph for s in en.sentences]
    footnote_fr = {p.index for p in fr.paragraphs if p.footnote}
    footnote_en = {p.index for p in en.paragraphs if p.footnote}
    # The open group's paragraphs, in order and as sets (a set a bead would cost more than the
    # rest of this function).
    fr_open: dict[int, None] = {}
    en_open: dict[int, None] = {}
    current: ParagraphBead | None = None

    def close() -> None:
        if current is not None:
            current.fr, current.en = tuple(fr_open), tuple(en_open)

    for bead in beads:
        fr_ps = _paragraphs_of(bead.fr, fr_par)
        en_ps = _paragraphs_of(bead.en, en_par)
        joins = current is not None and (
            any(p in fr_open for p in fr_ps) or any(p in en_open for p in en_ps)
        )
        if not joins:
            close()
            fr_open, en_open = dict.fromkeys(fr_ps), dict.fromkeys(en_ps)
            current = ParagraphBead(
                fr=fr_ps,
                en=en_ps,
                confidence=bead.confidence,
                sentences=[bead],
                footnotes=any(p in footnote_fr for p in fr_ps)
                or any(p in footnote_en for p in en_ps),
            )
            groups.append(current)
        else:
            assert current is not None
            fr_open.update(dict.fromkeys(fr_ps))
            en_open.update(dict.fromkeys(en_ps))
            current.sentences.append(bead)
    close()
    for group in groups:
        weighted = total = 0.0
        for b in group.sentences:
            size = max(len(b.fr) + len(b.en), 1)
            weighted += b.confidence * size
            total += size
        group.confidence = round(weighted / total, 4)
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


_SWAPPED = "the French side looks English and the English side French: swapped?"
_REFUSED_LANGUAGE_WARNINGS = (_SWAPPED, "both sides look")


def _language_warnings(fr: Side, en: Side) -> list[str]:
    fr_lang = guess_language(_opening(fr))
    en_lang = guess_language(_opening(en))
    warnings = []
    if fr_lang == "en" and en_lang == "fr":
        warnings.append(_SWAPPED)
    elif fr_lang == en_lang and fr_lang is not None:
        name = "French" if fr_lang == "fr" else "English"
        warnings.append(f"both sides look {name}: the alignment pairs a text with itself")
    elif fr_lang == "en":
        warnings.append("the French side looks English")
    elif en_lang == "fr":
        warnings.append("the English side looks French")
    return warnings
