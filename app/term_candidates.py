"""Term candidates mined from a job's aligned documents: the request, the answer, the work.

The route (``POST /v1/jobs/{id}/term-candidates``, app/jobs/api.py) and ``alinea terms extract``
share this. Candidates carry a stable ``key`` (normalised French ``|`` normalised English); with
``queue`` the new ones go to the review queue (:mod:`termbase.candidates`, collection
``candidates``), where pairs rejected before are not proposed again.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from termbase import candidates as review_queue
from termbase.aligned import BeadText
from termbase.extraction import (
    ExtractionOptions,
    TermCandidate,
    extract_candidates,
    known_pairs_of,
)
from termbase.index import TermIndex

MAX_CANDIDATES = 2_000


class CandidateRequest(BaseModel):
    """How many candidates, and how they are found."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=500, ge=1, le=MAX_CANDIDATES, description="Most candidates.")
    min_frequency: int = Field(
        default=2, ge=1, le=10_000, description="Fewest beads a pair must share."
    )
    max_words: int = Field(default=7, ge=1, le=12, description="Most words in a term.")
    single_words: bool = Field(default=True, description="Propose one-word terms too.")
    examples: int = Field(default=3, ge=0, le=10, description="Example beads per candidate.")
    partial: bool = Field(
        default=False, description="Mine what is aligned even if the job is not finished."
    )
    queue: bool = Field(
        default=True,
        description="Put the new pairs in the review queue (`/v1/term-candidates`): needs a key "
        "of the role terminologist. Pairs the termbase knows, pairs queued already and pairs "
        "rejected before are not queued. False: only list the candidates (a read).",
    )

    def options(self) -> ExtractionOptions:
        return ExtractionOptions(
            max_words=self.max_words,
            min_frequency=self.min_frequency,
            single_words=self.single_words,
            limit=self.limit,
            examples=self.examples,
        )


class CandidateExample(BaseModel):
    ref: str = Field(description="The document and the bead's position in it (`name#12`).")
    fr: str
    en: str


class Candidate(BaseModel):
    key: str = Field(description="Stable key of the pair: normalised French | normalised English.")
    fr: str
    en: str
    fr_key: str
    en_key: str
    frequency: int = Field(description="Beads with both terms.")
    fr_frequency: int
    en_frequency: int
    dice: float
    llr: float = Field(description="Log-likelihood ratio of the association over beads.")
    lexical: float = Field(description="Agreement through the aligner's translation table, 0-1.")
    score: float
    known: bool = Field(description="The termbase already pairs the two terms.")
    known_fr: bool
    known_en: bool
    examples: list[CandidateExample]


class QueueReport(BaseModel):
    """What proposing the candidates to the review queue did."""

    source: str | None = Field(description="Where they were mined (`job 42`), kept as source.")
    queued: int = Field(description="New pairs put in the queue.")
    updated: int = Field(description="Pairs pending already: their measures brought up to date.")
    known: int = Field(description="Pairs the termbase has already: not queued.")
    rejected_before: int = Field(description="Pairs rejected before: not proposed again.")
    accepted_before: int
    invalid: int = Field(description="Not a valid term pair (too long …).")
    candidate_ids: list[int] = Field(description="The queued pairs' ids in the queue.")


class CandidateList(BaseModel):
    job: int | None
    documents: int
    beads: int
    candidates: list[Candidate]
    queue: QueueReport | None = Field(
        default=None, description="With `queue`: what went to the review queue."
    )


def mine(
    documents: Sequence[tuple[str, list[BeadText]]],
    index: TermIndex,
    options: ExtractionOptions,
) -> list[TermCandidate]:
    """Candidates of the documents' beads, known pairs taken from the index: the termbase's
    collections, not the candidates awaiting review (those are not known terms; the queue
    brings them up to date instead)."""
    from alignment.lexicon import Lexicon

    beads = [bead for _, doc in documents for bead in doc]
    termbase = index.allowed_collections(None)
    return extract_candidates(
        beads,
        known_pairs=known_pairs_of(c for c in index.concepts() if c.collection_id in termbase),
        lexicon=Lexicon.load_default(),
        options=options,
    )


def candidate_list(
    job: int | None, documents: Sequence[tuple[str, list[BeadText]]], found: list[TermCandidate]
) -> CandidateList:
    return CandidateList(
        job=job,
        documents=len(documents),
        beads=sum(len(doc) for _, doc in documents),
        candidates=[Candidate.model_validate(c.as_dict()) for c in found],
    )


def queue_candidates(
    session: Session, found: Sequence[TermCandidate], *, source: str | None, user: str
) -> QueueReport:
    """Propose the mined pairs to the review queue (nothing committed here)."""
    report = review_queue.propose(session, found, source=source, user=user)
    return QueueReport(source=source, **report.__dict__)
