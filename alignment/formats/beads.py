"""The beads format: ``[3]:[3,4]`` lines, as the evaluation sets' ``.gold`` files.

It is the format Vecalign, Bertalign and Bleualign read and write (see
``../shared/data/README.md``): one bead a line, ``[fr indices]:[en indices]``, 0-based sentence
indices, e.g. ``[3]:[3,4]`` or ``[7]:[]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from alignment.formats.base import AlignmentFormat, BeadRecord, join_indices
from alignment.types import Alignment

BeadPair = tuple[tuple[int, ...], tuple[int, ...]]

_SIDE = r"\[\s*(\d+(?:\s*,\s*\d+)*)?\s*\]"
_BEAD_LINE = re.compile(rf"\s*{_SIDE}\s*:\s*{_SIDE}\s*")


def parse_beads(text: str) -> list[BeadPair]:
    """Read beads written one a line as ``[3]:[3,4]``; ``[]`` stands for an empty side.

    Spaces inside the brackets are tolerated and blank lines skipped, so that files written by
    other tools read too; anything else is a ``ValueError`` naming the line.
    """
    beads: list[BeadPair] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _BEAD_LINE.fullmatch(line)
        if match is None:
            raise ValueError(f"line {number}: expected a bead such as '[3]:[3,4]', got {line!r}")
        fr, en = match.groups()
        beads.append((_indices(fr), _indices(en)))
    return beads


def _indices(group: str | None) -> tuple[int, ...]:
    return () if group is None else tuple(int(index) for index in group.split(","))


def format_beads(beads: Iterable[BeadPair]) -> str:
    """Write beads exactly as the ``.gold`` files do: ``[3]:[3,4]``, ``[7]:[]``, one a line."""
    return "".join(f"[{join_indices(fr)}]:[{join_indices(en)}]\n" for fr, en in beads)


def to_beads(alignment: Alignment) -> str:
    """The sentence beads in the beads format of the evaluation sets (``[3]:[3,4]`` lines)."""
    return format_beads((bead.fr, bead.en) for bead in alignment.beads)


def read(data: bytes) -> list[BeadRecord]:
    """The beads of a file (indices only)."""
    return [BeadRecord(fr, en, 0.0, None, "", "") for fr, en in parse_beads(data.decode("utf-8"))]


FORMAT = AlignmentFormat(
    name="beads",
    media_type="text/plain; charset=utf-8",
    extension="txt",
    description="`[3]:[3,4]` lines, as the evaluation sets' .gold files",
    write=lambda alignment, options: to_beads(alignment).encode("utf-8"),
    read=read,
    carries=frozenset({"fr", "en"}),
)
