"""Time of the alignment search alone (corridor DP and backtrack), without segmentation or features.

    .venv/bin/python bench/search_speed.py                  # 3,000 and 12,000 French sentences
    .venv/bin/python bench/search_speed.py --sizes 3000 --repeat 9

For each size, the UN development documents (``../shared/data/align-dev/un``, or
``$ALINEA_SHARED_DIR/data/align-dev/un``) are joined end to end in name order until the French
side has N sentences (:func:`alignment.devsets.concatenated`) and aligned once with ``align``,
recording the arguments of every ``align_features`` call it makes (first pass, second pass);
then each call is made again ``--repeat`` times and timed (``perf_counter``, and
``process_time`` for the CPU time). Printed: per pass, the corridor's cells, the best and the
median wall time, the best CPU time, wall nanoseconds per cell; and whether the beads of the
repeats are those of ``align``'s own call.

Only ``align_features`` is public here, so the same script times older versions of the search
(e.g. ``PYTHONPATH=../other-checkout python bench/search_speed.py``): run two versions turn
about, because a loaded machine drifts. It prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path and not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT))

import alignment.align as align_module  # noqa: E402
from alignment import devsets  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="3000,12000", help="French sentences, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per search")
    args = parser.parse_args()
    shared = Path(os.environ.get("ALINEA_SHARED_DIR") or ROOT.parent / "shared")
    documents = devsets.load(shared / "data/align-dev/un")
    print(f"alignment from {Path(align_module.__file__).parent}")
    for size in (int(s) for s in args.sizes.split(",")):
        document = devsets.concatenated(documents, size)
        calls: list[tuple[tuple[Any, ...], dict[str, Any], Any]] = []
        search = align_module.align_features

        def recording(*a: Any, _search: Any = search, _calls: list = calls, **k: Any) -> Any:
            path = _search(*a, **k)
            _calls.append((a, k, path))
            return path

        align_module.align_features = recording
        try:
            align_module.align(document.fr, document.en, presegmented=True)
        finally:
            align_module.align_features = search
        for number, (a, k, path) in enumerate(calls, 1):
            cells = k["within"].cells
            times, cpu = [], []
            same = True
            for _ in range(args.repeat):
                started, started_cpu = time.perf_counter(), time.process_time()
                again = search(*a, **k)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                same &= again == path
            best, median = min(times), statistics.median(times)
            print(
                f"{document.n_fr:>6} fr {document.n_en:>6} en  pass {number}: {cells:>10,} cells"
                f"  wall best {best * 1e3:7.1f} ms median {median * 1e3:7.1f} ms"
                f"  CPU best {min(cpu) * 1e3:7.1f} ms  {best / cells * 1e9:6.1f} ns/cell"
                f"  same beads: {same}"
            )


if __name__ == "__main__":
    main()
