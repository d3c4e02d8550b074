"""Segmentation time against text length: ten times the text should take about ten times as long.

    .venv/bin/python bench/segment_speed.py

(Was a timed test, ``test_segmentation_time_grows_linearly``, until issue 12: tests assert no
times.) A UN-style paragraph is repeated 400 and 4,000 times, as running text and as paragraphs,
and split by ``split_sentences``, ``segment_presegmented`` and ``segment_raw``; the best of three
runs is printed for each size, with the ratio (about 10 when linear, 100 for a quadratic step).
Prints figures only; asserts nothing.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path and not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT))

from alignment.segment import segment_presegmented, segment_raw, split_sentences  # noqa: E402

PARAGRAPH = (
    "12. *Prie* le Secrétaire général, M. Guterres, de faire rapport (voir A/74/127, par. 3). "
    "Les États, etc. ont répondu. Le Comité a adopté la résolution 74/176 le 30 juillet 2010. "
)


def seconds(copies: int) -> float:
    text = PARAGRAPH * copies
    lines = "\n\n".join([PARAGRAPH] * copies)
    started = time.perf_counter()
    split_sentences(text, "fr")
    segment_presegmented(lines, "fr")
    segment_raw(lines, "fr")
    return time.perf_counter() - started


def main() -> None:
    small = min(seconds(400) for _ in range(3))
    large = min(seconds(4000) for _ in range(3))
    ratio = large / small
    print(f"400 paragraphs: {small * 1e3:.1f} ms; 4,000: {large * 1e3:.1f} ms; ratio {ratio:.1f}")


if __name__ == "__main__":
    main()
