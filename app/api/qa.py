"""Translation QA against the termbase over HTTP: ``POST /v1/qa``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api.align import side_text
from app.deps import IndexDep, SessionDep, SettingsDep
from app.errors import (
    CannotAlign,
    InvalidText,
    JobNotFinished,
    JobNotFound,
    JobTooLarge,
    TextTooLong,
    TooManySentences,
)
from app.job_beads import job_documents
from app.params import MAX_ID
from app.problems import problem_responses
from app.qa_output import MEDIA_TYPES, QAFormat, render_qa
from app.schemas import SideText, check_sides
from termbase.aligned import BeadText, beads_of_alignment
from termbase.qa import KINDS, QAOptions, QAReport, check_translation

QA_PATH = "/v1/qa"

router = APIRouter(tags=["quality"])


class QARequest(BaseModel):
    """Two texts to align and check, or a job whose aligned documents to check."""

    model_config = ConfigDict(extra="forbid")

    fr: SideText | None = Field(default=None, description="The French translation.")
    en: SideText | None = Field(default=None, description="The English original.")
    presegmented: bool = Field(
        default=False, description="The texts hold one sentence a line (implied for lists)."
    )
    job: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Check this job's aligned documents instead."
    )
    partial: bool = Field(
        default=False, description="With `job`: check what is aligned even if the job is not done."
    )
    checks: list[str] | None = Field(
        default=None,
        max_length=len(KINDS),
        description="The checks to run (all by default): " + ", ".join(KINDS) + ".",
    )
    all_beads: bool = Field(
        default=False, description="List every bead, not only the beads with findings."
    )

    @model_validator(mode="after")
    def _one_input(self) -> QARequest:
        texts = self.fr is not None or self.en is not None
        if self.job is not None and texts:
            raise ValueError("give either fr and en, or a job, not both")
        if self.job is None:
            if self.fr is None or self.en is None:
                raise ValueError("give fr and en (the two texts), or a job")
            check_sides(self.fr, self.en)
        unknown = sorted(set(self.checks or ()) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown checks {unknown}: choose among {', '.join(KINDS)}")
        return self


class QAFinding(BaseModel):
    kind: str
    severity: str = Field(description="error, warning or info.")
    message: str
    lang: str | None = Field(description="The side the finding points into.")
    start: int | None = Field(description="Offsets of what to highlight in that side's text.")
    end: int | None
    text: str | None
    expected: list[str] = Field(description="The equivalents, terms or values expected.")
    note: str | None = Field(description="The termbase's note on a deprecated term.")
    concept_id: int | None


class QABead(BaseModel):
    position: int
    ref: str
    fr: str
    en: str
    review: str | None = Field(description="The aligner's review flag.")
    findings: list[QAFinding]


class QASummary(BaseModel):
    beads: int
    beads_with_findings: int
    findings: int
    by_kind: dict[str, int]
    by_severity: dict[str, int]


class QADocument(BaseModel):
    name: str
    summary: QASummary
    beads: list[QABead]


class QAResponseSummary(BaseModel):
    documents: int
    beads: int
    beads_with_findings: int
    findings: int
    per_100_beads: float
    by_kind: dict[str, int]
    by_severity: dict[str, int]


class QAResponse(BaseModel):
    summary: QAResponseSummary
    documents: list[QADocument]


def _documents_from_texts(body: QARequest, settings: Any) -> list[tuple[str, list[BeadText]]]:
    from alignment.align import AlignmentError, AlignmentTooLarge, AlignOptions, align

    assert body.fr is not None and body.en is not None
    fr_text = side_text(body.fr, "French", settings.max_align_bytes)
    en_text = side_text(body.en, "English", settings.max_align_bytes)
    options = AlignOptions(
        presegmented=body.presegmented or isinstance(body.fr, list),
        max_sentences=settings.max_align_sentences,
    )
    try:
        alignment = align(fr_text, en_text, options=options)
    except AlignmentTooLarge as exc:
        raise TooManySentences(str(exc)) from exc
    except AlignmentError as exc:
        raise CannotAlign(str(exc)) from exc
    return [("", beads_of_alignment(alignment))]


@router.post(
    QA_PATH,
    response_model=QAResponse,
    summary="Check a translation against the termbase, bead by bead",
    responses={
        200: {
            "description": "The report (JSON), or HTML or plain text with `format`.",
            "content": {"text/html": {}, "text/plain": {}},
        },
        **problem_responses(
            JobNotFound,
            JobNotFinished,
            JobTooLarge,
            TextTooLong,
            TooManySentences,
            InvalidText,
            CannotAlign,
        ),
    },
)
def check(
    body: QARequest,
    settings: SettingsDep,
    index: IndexDep,
    session: SessionDep,
    output_format: Annotated[
        QAFormat,
        Query(
            alias="format",
            description="json (default), html (each bead, the findings highlighted) or text.",
        ),
    ] = QAFormat.JSON,
) -> Response:
    """Align the two texts (or read a job's aligned documents) and report, bead by bead: a
    termbase term whose equivalents (preferred or admitted) are all absent from the other side,
    with the expected ones; a deprecated or superseded term, with its note; a French term
    rendered differently from the rest of the document; numbers, document symbols, dates and
    paragraph numbers that differ; omissions, additions and mismatches flagged by the aligner.
    The summary counts findings by kind and severity.

    Inflection, case, apostrophes and hyphens never raise a finding ("Member State" for "États
    Membres"). Each text may be up to `ALINEA_MAX_ALIGN_BYTES`; a job's documents up to 200,000
    beads in all.
    """
    if body.job is not None:
        documents = job_documents(session, body.job, partial=body.partial)
    else:
        documents = _documents_from_texts(body, settings)
    session.close()
    options = QAOptions(frozenset(body.checks)) if body.checks else QAOptions()
    reports: list[tuple[str, QAReport]] = [
        (name, check_translation(beads, index, options=options)) for name, beads in documents
    ]
    return Response(
        render_qa(reports, output_format, all_beads=body.all_beads),
        media_type=MEDIA_TYPES[output_format],
    )
