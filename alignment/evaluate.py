"""Scoring sentence alignments against a gold standard.

Gold standards are in the beads format (:mod:`alignment.formats.beads`, re-exported here):
one bead a line, ``[fr indices]:[en indices]``, 0-based sentence indices.

The measure is Vecalign's ``score.py`` (after Sennrich & Volk 2011), reimplemented here so that
our figures can be put next to published ones:

* **precision** is judged over the distinct beads the aligner outputs, one-sided ones included
  (beads empty on both sides are ignored). A bead is *strict*-correct when it equals a gold bead;
  *lax*-correct when it is strict-correct or shares at least one French and one English sentence
  with some gold bead. A one-sided bead has nothing to share on its empty side, so it is
  lax-correct exactly when it is strict-correct: when the gold has the very same one-sided bead.
* **recall** is the same judgement with gold and output swapped, after one-sided beads are
  removed from both: only two-sided gold beads are counted, and they are looked for among the
  two-sided output beads.
* counts are pooled over all the documents of a set before dividing; F1 = 2PR / (P + R); a ratio
  with nothing to divide by is 0, as in Vecalign.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alignment.formats.base import join_indices as _join
from alignment.formats.beads import BeadPair, format_beads, parse_beads
from alignment.types import Alignment

__all__ = [
    "BeadPair",
    "Counts",
    "DocumentResult",
    "Report",
    "Score",
    "breakdown_by_type",
    "check_coverage",
    "evaluate_folder",
    "format_beads",
    "format_report",
    "parse_beads",
    "pooled",
    "score_document",
    "sentence_lines",
]


def sentence_lines(text: str) -> list[str]:
    """The sentences of a ``NAME.fr`` / ``NAME.en`` file: its non-blank lines, in order.

    Blank lines only separate paragraphs and are not numbered. Lines are split on line feeds
    (and carriage returns) only, never on the rarer Unicode line separators that
    ``str.splitlines`` honours, so a U+2028 inside a sentence does not shift the numbering.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in lines if line.strip()]


def check_coverage(beads: Iterable[BeadPair], n_fr: int, n_en: int) -> None:
    """Raise ``ValueError`` unless the beads cover both sides exactly once and in order.

    That is: read one after the other, the French indices of the beads are 0, 1, …, n_fr - 1 and
    so are the English ones up to n_en - 1, and no bead is empty on both sides.
    """
    next_index = {"French": 0, "English": 0}
    sizes = {"French": n_fr, "English": n_en}
    for number, (fr, en) in enumerate(beads, 1):
        if not fr and not en:
            raise ValueError(f"bead {number} is empty on both sides")
        for side, indices in (("French", fr), ("English", en)):
            for index in indices:
                expected = next_index[side]
                if index != expected:
                    raise ValueError(
                        f"bead {number} [{_join(fr)}]:[{_join(en)}]: "
                        + _coverage_problem(side, index, expected, sizes[side])
                    )
                next_index[side] = expected + 1
            if next_index[side] > sizes[side]:
                raise ValueError(
                    f"bead {number} [{_join(fr)}]:[{_join(en)}]: {side} sentence "
                    f"{next_index[side] - 1} does not exist ({side} has {sizes[side]} sentences)"
                )
    for side, size in sizes.items():
        if next_index[side] != size:
            raise ValueError(
                f"{_missing(side, next_index[side], size - 1)} ({side} has {size} sentences)"
            )


def _coverage_problem(side: str, index: int, expected: int, size: int) -> str:
    if index >= size:
        return f"{side} sentence {index} does not exist ({side} has {size} sentences)"
    if index < expected:
        return f"{side} sentence {index} is repeated or out of order (expected {expected})"
    return _missing(side, expected, index - 1)


def _missing(side: str, first: int, last: int) -> str:
    if first == last:
        return f"{side} sentence {first} is in no bead"
    return f"{side} sentences {first} to {last} are in no bead"


# -- counting ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """The raw counts behind a score; they add up over documents (``a + b``).

    ``test`` beads are the distinct non-empty beads of the output (the precision denominator),
    ``gold`` beads the two-sided gold beads (the recall denominator); ``*_strict`` and ``*_lax``
    are how many of them were found, exactly or loosely, on the other side.
    """

    test: int = 0
    test_strict: int = 0
    test_lax: int = 0
    gold: int = 0
    gold_strict: int = 0
    gold_lax: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.test + other.test,
            self.test_strict + other.test_strict,
            self.test_lax + other.test_lax,
            self.gold + other.gold,
            self.gold_strict + other.gold_strict,
            self.gold_lax + other.gold_lax,
        )


@dataclass(frozen=True, slots=True)
class Score:
    """Strict and lax precision, recall and F1, with the counts they were computed from."""

    strict_precision: float
    strict_recall: float
    strict_f1: float
    lax_precision: float
    lax_recall: float
    lax_f1: float
    counts: Counts

    @classmethod
    def from_counts(cls, counts: Counts) -> Score:
        strict_p = _ratio(counts.test_strict, counts.test)
        strict_r = _ratio(counts.gold_strict, counts.gold)
        lax_p = _ratio(counts.test_lax, counts.test)
        lax_r = _ratio(counts.gold_lax, counts.gold)
        return cls(
            strict_precision=strict_p,
            strict_recall=strict_r,
            strict_f1=_f1(strict_p, strict_r),
            lax_precision=lax_p,
            lax_recall=lax_r,
            lax_f1=_f1(lax_p, lax_r),
            counts=counts,
        )


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def _normalise(beads: Iterable[BeadPair]) -> set[BeadPair]:
    """Distinct beads as tuples, without beads empty on both sides (which Vecalign ignores).

    Aligners may hand back lists; a set also means an output that repeats a bead is not
    credited twice, as in Vecalign.
    """
    result = set()
    for fr, en in beads:
        if fr or en:
            result.add((tuple(fr), tuple(en)))
    return result


def _judge(candidates: Iterable[BeadPair], reference: set[BeadPair]) -> list[tuple[str, int, int]]:
    """For each candidate bead: its type, and whether it is found strictly (1/0) and laxly.

    Lax means the candidate shares a French and an English sentence with one reference bead;
    linking each French sentence to the English sentences its reference beads hold answers that
    in one look-up per French sentence, whatever the number of reference beads.
    """
    links: dict[int, set[int]] = defaultdict(set)
    for fr, en in reference:
        for index in fr:
            links[index].update(en)
    judged = []
    for bead in candidates:
        fr, en = bead
        strict = bead in reference
        lax = strict or any(index in links and not links[index].isdisjoint(en) for index in fr)
        judged.append((f"{len(fr)}-{len(en)}", int(strict), int(lax)))
    return judged


def _score_pair(gold: Iterable[BeadPair], test: Iterable[BeadPair]) -> dict[str, Counts]:
    """Counts per bead type for one document; the key ``""`` holds the document's totals.

    Gold beads are matched against every output bead, one-sided included. For a two-sided gold
    bead that is the same as Vecalign's recall (a one-sided output bead can neither equal it nor
    share both sides with it), and it lets the per-type breakdown tell how many gold deletions
    (``1-0``, ``0-1``) the aligner reproduced. The totals count two-sided gold beads only.
    """
    gold_set = _normalise(gold)
    test_set = _normalise(test)
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for bead_type, strict, lax in _judge(test_set, gold_set):
        row = by_type[bead_type]
        row[0] += 1
        row[1] += strict
        row[2] += lax
    for bead_type, strict, lax in _judge(gold_set, test_set):
        row = by_type[bead_type]
        row[3] += 1
        row[4] += strict
        row[5] += lax
    result = {bead_type: Counts(*row) for bead_type, row in by_type.items()}
    total = [0, 0, 0, 0, 0, 0]
    for bead_type, row in by_type.items():
        total[0] += row[0]
        total[1] += row[1]
        total[2] += row[2]
        if not _one_sided(bead_type):
            total[3] += row[3]
            total[4] += row[4]
            total[5] += row[5]
    result[""] = Counts(*total)
    return result


def _one_sided(bead_type: str) -> bool:
    return bead_type.startswith("0-") or bead_type.endswith("-0")


def score_document(gold: list[BeadPair], test: list[BeadPair]) -> Counts:
    """The counts for one document; pool them over a set with :func:`pooled`."""
    return _score_pair(gold, test)[""]


def pooled(counts: Iterable[Counts]) -> Score:
    """The score of a set of documents: counts summed first, then divided (micro-average)."""
    return Score.from_counts(sum(counts, Counts()))


def breakdown_by_type(pairs: Iterable[tuple[list[BeadPair], list[BeadPair]]]) -> dict[str, Score]:
    """Scores per bead type (``"1-1"``, ``"2-1"``, ``"1-0"`` …) over ``(gold, test)`` pairs.

    For a type, recall is over the gold beads of that type and precision over the output beads
    of that type, each judged as in the overall score. Unlike the overall recall, one-sided gold
    types are kept: their recall is the share reproduced exactly. A type only the gold has gets
    precision 0 with ``counts.test == 0``; one only the output has, recall 0 with
    ``counts.gold == 0``. Types come most frequent in the gold first.
    """
    totals: dict[str, Counts] = defaultdict(Counts)
    for gold, test in pairs:
        _add_types(totals, _score_pair(gold, test))
    return _type_scores(totals)


def _add_types(totals: dict[str, Counts], per_type: dict[str, Counts]) -> None:
    for bead_type, counts in per_type.items():
        if bead_type:
            totals[bead_type] = totals[bead_type] + counts


def _type_scores(totals: dict[str, Counts]) -> dict[str, Score]:
    def order(bead_type: str) -> tuple[int, int, tuple[int, ...]]:
        counts = totals[bead_type]
        return (-counts.gold, -counts.test, tuple(int(n) for n in bead_type.split("-")))

    return {
        bead_type: Score.from_counts(totals[bead_type]) for bead_type in sorted(totals, key=order)
    }


# -- confidence and review flags ----------------------------------------------------------------


def calibration_error(confidences: Sequence[float], right: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error: beads binned by confidence (``bins`` equal-width bins), the
    gap between each bin's mean confidence and its share of right beads, weighted by the bin's
    share of beads (Guo et al. 2017). 0 is perfect; 0 for no beads."""
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for confidence, ok in zip(confidences, right, strict=True):
        cell = totals[min(int(confidence * bins), bins - 1)]
        cell[0] += 1
        cell[1] += confidence
        cell[2] += bool(ok)
    count = sum(cell[0] for cell in totals.values())
    if not count:
        return 0.0
    return sum(abs(cell[1] - cell[2]) for cell in totals.values()) / count


def review_scores(
    documents: Iterable[tuple[Iterable[BeadPair], Iterable[BeadPair], set[int], set[int]]],
) -> tuple[float, float]:
    """How well review flags find what the gold leaves unaligned: (precision, recall).

    Each document is (gold beads, flagged beads, French furniture sentences, English furniture
    sentences). Counted sentence by sentence over all documents: the targets are the sentences
    of gold one-sided beads that are not page furniture; a flagged sentence is any sentence of
    a flagged bead. Precision is the share of flagged sentences that are targets, recall the
    share of targets flagged (0 when there is nothing to divide by).
    """
    targets = flagged = found = 0
    for gold, review, fr_furniture, en_furniture in documents:
        wanted = {("fr", i) for fr, en in gold if not en for i in fr if i not in fr_furniture}
        wanted |= {("en", j) for fr, en in gold if not fr for j in en if j not in en_furniture}
        marked = {("fr", i) for fr, _ in review for i in fr} | {
            ("en", j) for _, en in review for j in en
        }
        targets += len(wanted)
        flagged += len(marked)
        found += len(wanted & marked)
    return _ratio(found, flagged), _ratio(found, targets)


# -- evaluating an aligner on a folder -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """One document of an evaluation: its size, score, the aligner's time, any output problem."""

    name: str
    n_fr: int
    n_en: int
    score: Score
    seconds: float
    problem: str | None = None  # why the output is not a valid alignment (see check_coverage)


@dataclass(slots=True)
class Report:
    """The result of :func:`evaluate_folder`.

    ``documents`` come worst first (lowest strict F1, then lax F1, then name).
    ``overhead_seconds`` is everything but the aligner: reading, checking, scoring, writing.
    """

    folder: Path
    score: Score
    by_type: dict[str, Score]
    documents: list[DocumentResult]
    aligner_seconds: float
    overhead_seconds: float
    total_seconds: float
    problems: list[str] = field(default_factory=list)
    # When the aligner returns alignments (beads with confidences and review flags):
    calibration_error: float | None = None  # expected calibration error of the confidences
    review_precision: float | None = None  # of the review flags, for gold 1-0 / 0-1 sentences
    review_recall: float | None = None


def evaluate_folder(
    folder: Path,
    aligner: Callable[[str, str], Sequence[BeadPair] | Alignment],
    out: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Run ``aligner`` on every document of ``folder`` and score its output on ``NAME.gold``.

    Documents are taken in name order, one per ``.gold`` file; the aligner receives the raw
    French and English file texts (one sentence a line, see :func:`sentence_lines`) and returns
    beads, or an :class:`~alignment.types.Alignment`: then the report also gives the expected
    calibration error of the bead confidences and how well the review flags find the gold
    one-sided beads (:func:`calibration_error`, :func:`review_scores`). With ``out``, its
    output is written to ``out/NAME.align`` in the beads format.
    ``progress(done, total)`` is called after each document.

    A gold file that does not cover its texts is a ``ValueError`` (the set itself is broken). An
    output that does not is still scored, as Vecalign would, and the problem is recorded in the
    document's result and in ``Report.problems``.
    """
    started = time.perf_counter()
    golds = sorted(folder.glob("*.gold"))
    if not golds:
        raise ValueError(f"{folder}: no NAME.gold files to evaluate on")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)

    totals = Counts()
    types: dict[str, Counts] = defaultdict(Counts)
    documents: list[DocumentResult] = []
    problems: list[str] = []
    aligner_seconds = 0.0
    confidences: list[float] = []
    right: list[bool] = []
    flagged: list[tuple[list[BeadPair], list[BeadPair], set[int], set[int]]] = []
    for done, gold_path in enumerate(golds, 1):
        name = gold_path.name.removesuffix(".gold")
        fr_text = _read(folder / f"{name}.fr")
        en_text = _read(folder / f"{name}.en")
        n_fr, n_en = len(sentence_lines(fr_text)), len(sentence_lines(en_text))
        try:
            gold = parse_beads(gold_path.read_text(encoding="utf-8"))
            check_coverage(gold, n_fr, n_en)
        except ValueError as exc:
            raise ValueError(f"{gold_path}: {exc}") from exc

        before = time.perf_counter()
        found = aligner(fr_text, en_text)
        seconds = time.perf_counter() - before
        if isinstance(found, Alignment):
            test = [(bead.fr, bead.en) for bead in found.beads]
            gold_set = set(gold)
            confidences += [bead.confidence for bead in found.beads]
            right += [(bead.fr, bead.en) in gold_set for bead in found.beads]
            flagged.append(
                (
                    gold,
                    [(bead.fr, bead.en) for bead in found.beads if bead.review],
                    {s.index for s in found.fr.sentences if s.furniture},
                    {s.index for s in found.en.sentences if s.furniture},
                )
            )
        else:
            test = [(tuple(fr), tuple(en)) for fr, en in found]
        aligner_seconds += seconds

        problem = None
        try:
            check_coverage(test, n_fr, n_en)
        except ValueError as exc:
            problem = str(exc)
            problems.append(f"{name}: {problem}")
        if out is not None:
            (out / f"{name}.align").write_text(format_beads(test), encoding="utf-8")

        per_type = _score_pair(gold, test)
        totals = totals + per_type[""]
        _add_types(types, per_type)
        score = Score.from_counts(per_type[""])
        documents.append(DocumentResult(name, n_fr, n_en, score, seconds, problem))
        if progress is not None:
            progress(done, len(golds))

    documents.sort(key=lambda d: (d.score.strict_f1, d.score.lax_f1, d.name))
    total_seconds = time.perf_counter() - started
    review = review_scores(flagged) if flagged else (None, None)
    return Report(
        folder=folder,
        score=Score.from_counts(totals),
        by_type=_type_scores(types),
        documents=documents,
        aligner_seconds=aligner_seconds,
        overhead_seconds=total_seconds - aligner_seconds,
        total_seconds=total_seconds,
        problems=problems,
        calibration_error=calibration_error(confidences, right) if flagged else None,
        review_precision=review[0],
        review_recall=review[1],
    )


def _read(path: Path) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing (every NAME.gold needs NAME.fr and NAME.en)")
    return path.read_text(encoding="utf-8")


# -- the report as text --------------------------------------------------------------------------


def format_report(report: Report, worst: int = 10) -> str:
    """A plain-text summary: the pooled score, the by-type table, the worst documents, timings."""
    score, counts = report.score, report.score.counts
    n_docs = len(report.documents)
    n_fr = sum(d.n_fr for d in report.documents)
    n_en = sum(d.n_en for d in report.documents)
    lines = [
        f"Evaluation on {report.folder}: {n_docs} documents, {n_fr} French and {n_en} English "
        "sentences",
        "",
        "              strict     lax",
        f"precision     {score.strict_precision:6.3f}  {score.lax_precision:6.3f}"
        f"   of {counts.test} output beads",
        f"recall        {score.strict_recall:6.3f}  {score.lax_recall:6.3f}"
        f"   of {counts.gold} two-sided gold beads",
        f"F1            {score.strict_f1:6.3f}  {score.lax_f1:6.3f}",
        "",
        "By bead type (recall over gold beads of the type, precision over output beads of it):",
        f"{'type':<6}{'gold':>7}{'R strict':>10}{'R lax':>8}{'output':>9}{'P strict':>10}"
        f"{'P lax':>8}",
    ]
    for bead_type, typed in report.by_type.items():
        c = typed.counts
        lines.append(
            f"{bead_type:<6}{c.gold:>7}{_cell(typed.strict_recall, c.gold):>10}"
            f"{_cell(typed.lax_recall, c.gold):>8}{c.test:>9}"
            f"{_cell(typed.strict_precision, c.test):>10}{_cell(typed.lax_precision, c.test):>8}"
        )
    if report.calibration_error is not None:
        lines += [
            "",
            f"Confidence: expected calibration error {report.calibration_error:.3f} "
            "(10 bins; 0 is perfect)",
            f"Review flags for the gold 1-0 / 0-1 sentences (page furniture left out): "
            f"precision {report.review_precision:.3f}, recall {report.review_recall:.3f}",
        ]
    shown = report.documents[: max(worst, 0)]
    if shown:
        width = max(len(d.name) for d in shown)
        lines += [
            "",
            f"Worst {len(shown)} documents by strict F1:",
            f"{'document':<{width}}  F1 strict  F1 lax   P strict  R strict    fr    en   seconds",
        ]
        for d in shown:
            s = d.score
            lines.append(
                f"{d.name:<{width}}  {s.strict_f1:9.3f}  {s.lax_f1:6.3f}  {s.strict_precision:9.3f}"
                f"  {s.strict_recall:8.3f}  {d.n_fr:4d}  {d.n_en:4d}  {d.seconds:8.3f}"
            )
    if report.problems:
        lines += ["", f"{len(report.problems)} outputs do not cover their documents exactly:"]
        lines += [f"  {problem}" for problem in report.problems]
    per_doc = report.aligner_seconds / n_docs * 1000 if n_docs else 0.0
    lines += [
        "",
        f"Time: aligner {report.aligner_seconds:.3f} s ({per_doc:.1f} ms a document), "
        f"reading and scoring {report.overhead_seconds:.3f} s, total {report.total_seconds:.3f} s",
    ]
    return "\n".join(lines) + "\n"


def _cell(value: float, denominator: int) -> str:
    # A ratio over nothing is shown as a dash rather than a misleading 0.000.
    return f"{value:.3f}" if denominator else "-"
