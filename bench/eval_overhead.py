"""What ``alinea eval`` adds to the aligner: reading, checking and scoring a development set.

    .venv/bin/python bench/eval_overhead.py [--folder ../shared/data/align-dev/un] [--runs 5]

(Was a timed test, ``test_scoring_the_un_set_takes_well_under_a_second``, until issue 12: tests
assert no times.) The "aligner" answers each document with its own gold, so the time is all
overhead; prints each run's ``Report.overhead_seconds`` and the best. Prints figures only;
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path and not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT))

from alignment.evaluate import BeadPair, evaluate_folder, parse_beads  # noqa: E402


def gold_reader(golds: list[Path]) -> Callable[[str, str], list[BeadPair]]:
    """An "aligner" that answers with the gold of each document, in the folder's order."""
    answers = iter(golds)
    return lambda fr, en: parse_beads(next(answers).read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", type=Path, default=ROOT.parent / "shared/data/align-dev/un")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    golds = sorted(args.folder.glob("*.gold"))
    if not golds:
        sys.exit(f"error: no NAME.gold files in {args.folder}")
    times = []
    for run in range(args.runs):
        report = evaluate_folder(args.folder, gold_reader(golds))
        times.append(report.overhead_seconds)
        print(f"run {run + 1}: {len(report.documents)} documents, {report.overhead_seconds:.3f} s")
    print(f"best of {args.runs}: {min(times):.3f} s reading, checking and scoring")


if __name__ == "__main__":
    main()
