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
- ``mismatch``: a bead whose sides share almost nothing: its lexical similarity is under
  ``mismatch_share`` of the document's typical one (the median of its 1-1 beads; a UN report
  and a novel do not share words at the same rate): a sentence replaced by an unrelated one,
  or a misalignment.
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
    - ``mismatch_share``: a two-sided bead whose similarity is under this share of the
      document's typical similarity is flagged ``mismatch``.
    """

    # Fitted by bench/fit_confidence.py on the fit halves of the development sets (originals
    # and paragraph variants); the mismatch share is the largest that keeps the flags' precision
    # on UN documents (0.989 on the held-out half) and adds recall (0.947 -> 0.956).
    linked: tuple[float, float, float, float, float] = (7.9509, -5.503, -2.6612, 0.0294, -0.5492)
    one_sided: tuple[float, float, float] = (2.5938, -4.7285, 0.3399)
    furniture: float = 0.999
    mismatch_share: float = 0.1

    def linked_bead(
        self, cost: float, similarity: float, length_z: float, size: int, typical: float
    ) -> tuple[float, str | None]:
        """(confidence, review reason or None) of a bead with sentences on both sides;
        ``typical`` is the document's typical similarity."""
        w = self.linked
        score = w[0] + w[1] * cost + w[2] * similarity + w[3] * length_z + w[4] * (size - 2)
        review = MISMATCH if similarity < self.mismatch_share * typical else None
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
