"""The work of one item, run in a worker process: align a document pair, return plain data.

:func:`align_pair` is a pure function of the pair and the options: it reads no database, no
settings and no files beyond the aligner's own lexicon, so it can run in a local process pool or on
any Dask worker that has the ``alinea`` package installed. It imports only :mod:`alignment`.

Its result is what the runner stores, already serialised here (in the worker, not in the runner):

- ``result``: JSON ``{"fr": [sentence, …], "en": [sentence, …], "beads": [[[fr indices],
  [en indices], confidence, review], …], "warnings": […]}`` (review: the bead's review reason
  or null; results stored before it existed have three entries a bead), enough to write TMX,
  TSV and JSONL again, compressed with zlib (:func:`load_result` reads it back): the worker
  spends a millisecond on it, and the database writes a quarter of the bytes;
- ``segments``: the two-sided beads as ``(position, French text, English text, confidence)``,
  the sentences of a side joined by a space, for the concordance;
- ``seconds``: the time spent aligning (clean-up, segmentation, search), in this process.

Input the aligner refuses (an empty side, binary data, no sentence boundaries) is not an error of
the worker: the result is ``{"error": reason}`` and the item fails with that reason, no retry.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Mapping
from typing import Any

WARM_UP_FR = (
    "Le chat dort sur le canapé.\nIl pleut depuis trois jours.\n\nLa salle ouvre à neuf heures.\n"
)
WARM_UP_EN = (
    "The cat is asleep on the sofa.\nIt has been raining for three days.\n\n"
    "The room opens at nine.\n"
)


def align_pair(fr: str, en: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Align one French/English document pair (see the module docstring for the result)."""
    from alignment.align import AlignmentError, align

    started = time.perf_counter()
    anchors = [(str(f), str(e)) for f, e in options.get("anchors") or ()]
    try:
        alignment = align(
            fr, en, presegmented=bool(options.get("presegmented", False)), anchors=anchors
        )
    except AlignmentError as exc:
        return {"error": str(exc), "seconds": time.perf_counter() - started}
    fr_texts = [sentence.text for sentence in alignment.fr.sentences]
    en_texts = [sentence.text for sentence in alignment.en.sentences]
    fr_by_index = {s.index: s.text for s in alignment.fr.sentences}
    en_by_index = {s.index: s.text for s in alignment.en.sentences}
    beads = []
    segments = []
    for position, bead in enumerate(alignment.beads):
        beads.append([list(bead.fr), list(bead.en), bead.confidence, bead.review])
        if bead.fr and bead.en:
            segments.append(
                (
                    position,
                    " ".join(fr_by_index[i] for i in bead.fr),
                    " ".join(en_by_index[j] for j in bead.en),
                    bead.confidence,
                )
            )
    result = dump_result(
        {"fr": fr_texts, "en": en_texts, "beads": beads, "warnings": list(alignment.warnings)}
    )
    return {"result": result, "segments": segments, "seconds": time.perf_counter() - started}


def dump_result(result: dict[str, Any]) -> bytes:
    """A result as stored: compact JSON in UTF-8, compressed with zlib (fast level)."""
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def load_result(stored: bytes) -> dict[str, Any]:
    """A stored result read back (see :func:`dump_result`)."""
    loaded: dict[str, Any] = json.loads(zlib.decompress(stored))
    return loaded


def warm_up() -> None:
    """Load the lexicon and the compiled search into this process before the first real item.

    The search is compiled by numba; its machine code is cached on disk (``NUMBA_CACHE_DIR``),
    so each new worker process pays about a second to load it rather than ~10 s to compile it.
    Run as the process pool's initializer, and on each Dask worker when the runner connects.
    """
    align_pair(WARM_UP_FR, WARM_UP_EN, {"presegmented": True})
