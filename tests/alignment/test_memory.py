"""The aligner's memory is bounded by its limits, not by the shape of the input.

300,000 one-character sentences a side (a 3 MB request, under the byte limit) once took 7.3 GB:
every sentence had a dense vector of 1,024 floats and the coarse search a band as wide as the
page. Now a side may have at most 64,000 sentences, vectors are sparse and the search visits a
bounded number of cells. Each case runs in a fresh process, whose peak RSS it reports.
"""

import json
import subprocess
import sys

import pytest

GIB = 1024**3

ALIGN_AND_REPORT = """
import json, resource, sys
from alignment.align import MAX_SENTENCES, align
n = MAX_SENTENCES
shape = sys.argv[1]
if shape == "characters":
    fr, en = "\\n".join("a" * n), "\\n".join("b" * n)
else:  # one sentence against a side at the limit
    fr, en = "Une phrase.", "\\n".join(f"Sentence number {k} of a long text." for k in range(n))
result = align(fr, en, presegmented=True)
print(json.dumps({"beads": len(result.beads),
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


@pytest.mark.parametrize("shape", ["characters", "one-against-many"])
def test_an_alignment_at_the_sentence_limit_stays_under_a_gigabyte(shape: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ALIGN_AND_REPORT, shape],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["beads"] >= 1
    assert found["peak"] < GIB, f"peak RSS {found['peak'] / 2**20:.0f} MiB"
