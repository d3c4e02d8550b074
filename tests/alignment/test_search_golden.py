"""The search gives the same beads as the one it replaced, bead for bead.

``data/search_golden.json`` holds the beads, confidences and (as a digest) bead costs that the
aligner of commit 0bed2de (bead costs computed inside the DP kernel) produced for a few
development documents: UN and
literary documents, a long shuffled concatenation (anchors, corridor, second pass), the same
under a small cell budget (band narrowing) and with term anchors. Refactoring the search (the
DP taking its costs from :mod:`alignment.costs`) must not change one bead or one confidence.

Regenerate only on purpose (a change of the aligner's behaviour), with the code to keep::

    ALINEA_SHARED_DIR=../shared PYTHONPATH=. python tests/alignment/test_search_golden.py --write
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import alignment.align as align_module
from alignment import devsets
from alignment.align import AlignOptions, align

GOLDEN = Path(__file__).parent / "data" / "search_golden.json"
UN_DOCUMENTS = slice(0, 243, 40)  # 7 of the 243 align-dev/un documents
TRANSREAD_DOCUMENTS = ("Emma", "TheLastOfTheMohicans")


def _cases(shared: Path) -> Iterator[tuple[str, str, str, AlignOptions, list[tuple[str, str]]]]:
    un = devsets.load(shared / "data/align-dev/un")
    for document in un[UN_DOCUMENTS]:
        yield document.name, document.fr, document.en, AlignOptions(presegmented=True), []
    for document in devsets.load(shared / "data/align-dev/transread"):
        if document.name in TRANSREAD_DOCUMENTS:
            yield document.name, document.fr, document.en, AlignOptions(presegmented=True), []
    long = devsets.concatenated(un, 1500, seed=4)
    yield long.name, long.fr, long.en, AlignOptions(presegmented=True), []
    narrow = AlignOptions(presegmented=True, max_cells=20_000)
    yield f"{long.name}.max-cells-20000", long.fr, long.en, narrow, []
    with (shared / "data/terms/un_terms_fr_en.tsv").open(encoding="utf-8", newline="") as f:
        terms = [(row["fr"], row["en"]) for row in csv.DictReader(f, delimiter="\t")]
    first = un[UN_DOCUMENTS][0]
    yield f"{first.name}.anchors", first.fr, first.en, AlignOptions(presegmented=True), terms


def _beads(fr: str, en: str, options: AlignOptions, anchors: list[tuple[str, str]]) -> Any:
    """The beads of the alignment (with confidence and review flag) and a digest of every
    bead cost of every search it ran (first and second pass), to 12 significant digits."""
    costs: list[float] = []
    search = align_module.align_features

    def recording(*args: Any, **kwargs: Any) -> Any:
        path = search(*args, **kwargs)
        costs.extend(cost for _, _, cost in path)
        return path

    align_module.align_features = recording
    try:
        result = align(fr, en, options=options, anchors=anchors)
    finally:
        align_module.align_features = search
    digest = hashlib.sha256(",".join(f"{c:.12g}" for c in costs).encode()).hexdigest()
    beads = [[list(b.fr), list(b.en), b.confidence, b.review] for b in result.beads]
    return {"beads": beads, "costs": len(costs), "cost_sha256": digest}


def compute(shared: Path) -> dict[str, Any]:
    return {name: _beads(*case) for name, *case in _cases(shared)}


def test_search_gives_the_golden_beads(shared_dir: Path) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    computed = compute(shared_dir)
    assert list(computed) == list(golden)
    for name, result in computed.items():
        beads, expected = result["beads"], golden[name]["beads"]
        first = next(
            (k for k, (a, b) in enumerate(zip(beads, expected, strict=False)) if a != b),
            min(len(beads), len(expected)),
        )
        assert beads == expected, f"{name}: first difference at bead {first}"
        assert result == golden[name], f"{name}: same beads, other bead costs"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: PYTHONPATH=. python tests/alignment/test_search_golden.py --write")
    import os

    root = Path(__file__).resolve().parents[2]
    shared = Path(os.environ.get("ALINEA_SHARED_DIR") or root.parent / "shared")
    GOLDEN.parent.mkdir(exist_ok=True)
    data = compute(shared)
    GOLDEN.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{GOLDEN}: {sum(len(d['beads']) for d in data.values())} beads, {len(data)} documents")
