"""A bead's confidence, and whether a translator should look at it.

Confidence is meant to mean what it says: of the beads given confidence ≈ c, a share ≈ c is
right (exactly right: the bead equals the gold bead). It comes from two logistic models over
what the search knows of a bead (:class:`alignment.search.BeadEvidence`), one for beads with
both sides and one for one-sided beads. Their coefficients were fitted on one half of each
development set and checked on the other (``bench/fit_confidence.py`` prints the fit and the
expected calibration error of both halves; ``alinea eval`` prints it for any set).

Review flags say what to look at, in the words of the trade (English is the original):

- ``omission``: an English sentence with no French counterpart (a 0-1 bead);
- ``addition``: a French sentence with no English counterpart (a 1-0 bead), page furniture
  excepted;
- ``mismatch``: a bead whose sides share almost nothing (lexical similarity under
  ``mismatch_below``): a sentence replaced by an unrelated one, or a misalignment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

OMISSION = "omission"
ADDITION = "addition"
MISMATCH = "mismatch"
REVIEW_REASONS = (OMISSION, ADDITION, MISMATCH)


@dataclass(frozen=True, slots=True)
class Calibration:
    """The confidence models and the review threshold (see the module docstring).

    - ``linked``: intercept and weights of (cost per sentence, similarity, length z-score,
      sentences in the bead beyond two) for beads with both sides;
    - ``one_sided``: intercept and weights of (similarity with the nearest sentences of the
      other side, log of the sentence's length in characters) for one-sided beads;
    - ``furniture``: the confidence of a page-furniture line left unaligned;
    - ``mismatch_below``: similarity under which a two-sided bead is flagged ``mismatch``.
    """

    linked: tuple[float, float, float, float, float] = (3.0, -2.5, 2.0, -0.2, -0.3)
    one_sided: tuple[float, float, float] = (2.5, -4.0, -0.1)
    furniture: float = 0.99
    mismatch_below: float = 0.05

    def linked_bead(
        self, cost: float, similarity: float, length_z: float, size: int
    ) -> tuple[float, str | None]:
        """(confidence, review reason or None) of a bead with sentences on both sides."""
        w = self.linked
        score = w[0] + w[1] * cost + w[2] * similarity + w[3] * length_z + w[4] * (size - 2)
        review = MISMATCH if similarity < self.mismatch_below else None
        return _sigmoid(score), review

    def one_sided_bead(
        self, french: bool, nearby: float, chars: float, furniture: bool
    ) -> tuple[float, str | None]:
        """(confidence, review reason or None) of a bead with a sentence on one side only."""
        if furniture:
            return self.furniture, None
        w = self.one_sided
        score = w[0] + w[1] * nearby + w[2] * math.log(max(chars, 1.0))
        return _sigmoid(score), ADDITION if french else OMISSION


def _sigmoid(score: float) -> float:
    return round(1.0 / (1.0 + math.exp(-max(min(score, 40.0), -40.0))), 4)
