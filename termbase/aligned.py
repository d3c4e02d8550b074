"""Aligned beads as plain data: what term extraction and translation QA read.

Both engines take beads as French text, English text, the aligner's review flag and a reference
(document name and position), never an alignment object or a database row, so they run the same on
a fresh alignment, on a job's stored results and on a folder of aligned files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from alignment.types import Alignment


class BeadText(NamedTuple):
    """One bead: its French and English text (sentences joined by a space), the aligner's
    review flag (``omission``, ``addition``, ``mismatch`` or None) and where it comes from."""

    fr: str
    en: str
    review: str | None = None
    ref: str = ""


def as_bead(bead: BeadText | Sequence[Any]) -> BeadText:
    """A :class:`BeadText` from itself or a plain ``(fr, en)`` / ``(fr, en, review, ref)``."""
    if isinstance(bead, BeadText):
        return bead
    if len(bead) < 2:
        raise ValueError("a bead needs its French and its English text")
    fr, en = bead[0], bead[1]
    review = bead[2] if len(bead) > 2 else None
    ref = bead[3] if len(bead) > 3 else ""
    if not isinstance(fr, str) or not isinstance(en, str):
        raise ValueError("a bead's French and English sides must be text")
    return BeadText(fr, en, review, str(ref or ""))


def beads_of_alignment(alignment: Alignment, *, name: str = "") -> list[BeadText]:
    """The sentence beads of an alignment, in order, one-sided ones included."""
    fr = alignment.fr.sentences
    en = alignment.en.sentences
    return [
        BeadText(
            " ".join(fr[i].text for i in bead.fr),
            " ".join(en[j].text for j in bead.en),
            bead.review,
            f"{name}#{position}" if name else f"#{position}",
        )
        for position, bead in enumerate(alignment.beads)
    ]


def beads_of_result(result: Mapping[str, Any], *, name: str = "") -> list[BeadText]:
    """The beads of a job item's stored result (``{"fr": [...], "en": [...], "beads": [...]}``,
    each bead ``[fr indices, en indices, confidence, review?]``)."""
    fr: list[str] = result.get("fr", [])
    en: list[str] = result.get("en", [])
    beads: list[BeadText] = []
    for position, stored in enumerate(result.get("beads", [])):
        review = stored[3] if len(stored) > 3 else None
        beads.append(
            BeadText(
                " ".join(fr[i] for i in stored[0]),
                " ".join(en[j] for j in stored[1]),
                review,
                f"{name}#{position}" if name else f"#{position}",
            )
        )
    return beads


def read_beads_folder(folder: Path, *, limit: int | None = None) -> Iterable[list[BeadText]]:
    """The documents of a folder in the align-dev layout (``NAME.fr``, ``NAME.en``, one sentence
    a line, and ``NAME.gold`` beads such as ``[3]:[3,4]``), or of a folder of line-aligned pairs
    (``NAME.fr`` / ``NAME.en`` with as many lines, one bead a line, when there is no gold file).

    One list of beads per document, in name order; ``limit`` stops after that many documents.
    """
    names = sorted(p.stem for p in folder.glob("*.fr") if p.with_suffix(".en").is_file())
    for count, name in enumerate(names):
        if limit is not None and count >= limit:
            return
        fr_lines = _sentences(folder / f"{name}.fr")
        en_lines = _sentences(folder / f"{name}.en")
        gold = folder / f"{name}.gold"
        if gold.is_file():
            beads = []
            for position, line in enumerate(gold.read_text(encoding="utf-8").splitlines()):
                if not line.strip():
                    continue
                fr_part, en_part = line.split(":", 1)
                fr_ids, en_ids = _indices(fr_part), _indices(en_part)
                review = None
                if fr_ids and not en_ids:
                    review = "addition"
                elif en_ids and not fr_ids:
                    review = "omission"
                beads.append(
                    BeadText(
                        " ".join(fr_lines[i] for i in fr_ids),
                        " ".join(en_lines[j] for j in en_ids),
                        review,
                        f"{name}#{position}",
                    )
                )
            yield beads
        else:
            if len(fr_lines) != len(en_lines):
                raise ValueError(
                    f"{name}: {len(fr_lines)} French lines and {len(en_lines)} English lines, "
                    "and no .gold file to say how they pair"
                )
            yield [
                BeadText(f, e, None, f"{name}#{i}")
                for i, (f, e) in enumerate(zip(fr_lines, en_lines, strict=True))
            ]


def _sentences(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _indices(part: str) -> list[int]:
    inner = part.strip().strip("[]").strip()
    return [int(x) for x in inner.split(",")] if inner else []
