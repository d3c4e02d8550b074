"""Batch alignment jobs over HTTP, and the concordance of their aligned segments."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.auth.access import Principal, PrincipalDep, check_write
from app.auth.models import Role
from app.db import Database, after_commit
from app.deps import IndexDep, SessionDep, SettingsDep
from app.errors import (
    DocumentTooLarge,
    EmptyDocument,
    Forbidden,
    InvalidCursor,
    InvalidRequest,
    InvalidText,
    InvalidUpload,
    JobFinished,
    JobNotFinished,
    JobNotFound,
    JobTooLarge,
    QueryTooLong,
    RequestTooLarge,
    TooManyDocuments,
    Unauthorized,
    UnsupportedMediaType,
)
from app.formats import content_map, described
from app.job_beads import job_documents
from app.jobs import repository
from app.jobs.intake import items_from_files, items_from_json
from app.jobs.models import Job
from app.jobs.results import DEFAULT_FORMAT, FORMATS, ResultFormat, stream
from app.jobs.schemas import (
    ItemFailure,
    JobOptions,
    JobOut,
    JobPage,
    JobRequest,
    SegmentPage,
    job_out,
)
from app.jobs.search import EmptyQuery, search_segments
from app.pagination import cursor_int, decode_cursor, encode_cursor, query_signature
from app.params import MAX_ID, NO_CONTROL_CHARACTERS, Cursor, JobId
from app.problems import problem_responses
from app.settings import Settings
from app.streams import Spooled
from app.term_candidates import (
    CandidateList,
    CandidateRequest,
    candidate_list,
    mine,
    queue_candidates,
)
from termbase.errors import ConceptNotFound, InvalidQuery
from termbase.models import Concept, Term

JOBS_PATH = "/v1/jobs"
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
STATE_HEADER = "X-Alinea-Job-State"

router = APIRouter(tags=["jobs"])
# Mining a job's term candidates changes nothing unless they are queued: mounted as a read (no
# key needed under ALINEA_AUTH=writes), the route itself asks a terminologist's key to queue.
mining_router = APIRouter(tags=["jobs"])


class Language(StrEnum):
    FR = "fr"
    EN = "en"


_UPLOAD_SCHEMA = {
    "type": "object",
    "properties": {
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "NAME.fr.txt / NAME.en.txt pairs (.docx, or no extension, too), or "
            "zip archives of them.",
        },
        "options": {
            "type": "string",
            "description": 'The job options as JSON, e.g. {"presegmented": true}.',
        },
        "presegmented": {
            "type": "boolean",
            "description": "Text files hold one sentence a line (a shortcut for the option).",
        },
    },
    "required": ["files"],
}


_REF = "#/components/schemas/{model}"


def _request_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """JobRequest's schema as an OpenAPI reference, and the definitions it needs."""
    schema = JobRequest.model_json_schema(ref_template=_REF)
    definitions = schema.pop("$defs", {})
    definitions["JobRequest"] = schema
    return {"$ref": _REF.format(model="JobRequest")}, definitions


def add_openapi_schemas(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put the JSON job request's definitions in the OpenAPI components (the route reads its
    body itself, as JSON or as an upload, so FastAPI does not know them)."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in _request_schemas()[1].items():
        schemas.setdefault(name, definition)
    return openapi


def _now() -> datetime:
    return datetime.now(UTC)


def _job(session: Any, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound(job_id)
    return job


def _check_owner(job: Job, principal: Principal) -> None:
    """Only the job's owner (the name on the key that submitted it) or an admin may change it."""
    if principal.may(Role.ADMIN) or (job.owner is not None and job.owner == principal.name):
        return
    raise Forbidden(
        f"job {job.id} belongs to {job.owner or 'nobody (it was submitted without a key)'}: "
        "only they or an admin may cancel it"
    )


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


async def _items_from_request(
    request: Request, settings: Settings
) -> tuple[list[repository.NewItem], dict[str, Any]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()

        def parse() -> tuple[list[repository.NewItem], dict[str, Any]]:
            try:
                job_request = JobRequest.model_validate_json(body)
            except ValidationError as exc:
                raise RequestValidationError(
                    [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
                ) from exc
            return items_from_json(job_request, settings), job_request.options.model_dump()

        return await run_in_threadpool(parse)
    if content_type in ZIP_TYPES:
        # A zip archive as the body (what `alinea jobs submit` sends): streamed to a temporary
        # file, counted against the upload limit as it arrives.
        limit = settings.job_max_upload_bytes
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as archive:
            size = 0
            async for piece in request.stream():
                size += len(piece)
                if size > limit:
                    raise RequestTooLarge(
                        f"the upload is over the limit of {limit:,} bytes "
                        "(ALINEA_JOB_MAX_UPLOAD_BYTES)"
                    )
                archive.write(piece)
            if size == 0:
                raise InvalidUpload("the request has no zip in its body")
            archive.seek(0)
            presegmented = _bool(request.query_params.get("presegmented"))
            items = await run_in_threadpool(
                items_from_files,
                [("upload.zip", archive)],  # type: ignore[list-item]
                settings,
                presegmented=presegmented,
            )
        return items, JobOptions(presegmented=presegmented).model_dump()
    if content_type == "multipart/form-data":
        form = await request.form(
            max_files=4 * settings.job_max_items + 100, max_fields=10, max_part_size=1024 * 1024
        )
        try:
            uploads = [value for _key, value in form.multi_items() if isinstance(value, UploadFile)]
            raw_options = form.get("options")
            try:
                options = JobOptions.model_validate_json(
                    raw_options if isinstance(raw_options, str) and raw_options.strip() else "{}"
                )
            except ValidationError as exc:
                raise RequestValidationError(
                    [{**error, "loc": ("body", "options", *error["loc"])} for error in exc.errors()]
                ) from exc
            shortcut = form.get("presegmented")
            if isinstance(shortcut, str) and shortcut.strip():
                options.presegmented = _bool(shortcut)
            if not uploads:
                raise InvalidUpload("the upload has no files: send them in the `files` field")
            files = [(upload.filename or "unnamed", upload.file) for upload in uploads]
            items = await run_in_threadpool(
                items_from_files, files, settings, presegmented=options.presegmented
            )
        finally:
            await form.close()
        return items, options.model_dump()
    raise UnsupportedMediaType(
        "send the job as application/json, multipart/form-data or application/zip, not "
        f"{content_type or 'nothing'}"
    )


@router.post(
    JOBS_PATH,
    status_code=202,
    response_model=JobOut,
    summary="Submit a batch of document pairs to align",
    responses=problem_responses(
        TooManyDocuments,
        DocumentTooLarge,
        RequestTooLarge,
        UnsupportedMediaType,
        InvalidRequest,
        InvalidUpload,
        InvalidText,
        EmptyDocument,
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _request_schemas()[0]},
                "multipart/form-data": {"schema": _UPLOAD_SCHEMA},
                "application/zip": {
                    "schema": {
                        "type": "string",
                        "format": "binary",
                        "description": "A zip of NAME.fr.* / NAME.en.* files; `presegmented` "
                        "in the query.",
                    }
                },
            },
        }
    },
)
async def submit_job(
    request: Request,
    settings: SettingsDep,
    principal: PrincipalDep,
    presegmented: Annotated[
        bool | None,
        Query(description="For a zip sent as the body: its text files hold one sentence a line."),
    ] = None,
) -> Response:
    """Queue a job: a JSON list of documents `{"name", "fr", "en"}` with `options`, or an upload
    of `NAME.fr.*` / `NAME.en.*` files (`.txt`, `.docx`) or zips of them, or one zip as the
    body (`application/zip`, `presegmented` in the query).

    Answers 202 with the job (state `queued`) and its `Location`; the service's runners align
    its items in the background. Too many pairs, a side or an upload too large: 413, and nothing
    is queued; files that do not pair up or cannot be read: 422, nothing queued either.
    """
    items, options = await _items_from_request(request, settings)
    database: Database = request.app.state.database

    def save() -> JobOut:
        with database.session() as session:
            owner = None if principal.anonymous else principal.name
            job = repository.submit_job(session, items, options, owner=owner)
            session.flush()
            progress = repository.progress(session, [job.id])[job.id]
            return job_out(job, progress, _now())

    out = await run_in_threadpool(save)
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        runner.wake()
    return Response(
        out.model_dump_json(),
        status_code=202,
        media_type="application/json",
        headers={"Location": f"{JOBS_PATH}/{out.id}"},
    )


@router.get(
    JOBS_PATH,
    response_model=JobPage,
    summary="List jobs, newest first",
    responses=problem_responses(InvalidCursor),
)
def list_jobs(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> JobPage:
    """Jobs with their state and counts, newest first; `next_cursor` gives the next page."""
    fields = decode_cursor(cursor)
    statement = select(Job).order_by(Job.id.desc()).limit(limit + 1)
    if "before" in fields:
        statement = statement.where(Job.id < cursor_int(fields, "before"))
    jobs = list(session.scalars(statement))
    more = len(jobs) > limit
    jobs = jobs[:limit]
    progress = repository.progress(session, [job.id for job in jobs])
    now = _now()
    return JobPage(
        items=[job_out(job, progress[job.id], now) for job in jobs],
        next_cursor=encode_cursor(before=jobs[-1].id) if more else None,
    )


def _job_view(session: Any, job: Job) -> JobOut:
    progress = repository.progress(session, [job.id])[job.id]
    failures = [
        ItemFailure(position=p, name=n, reason=r, attempts=a)
        for p, n, r, a in repository.failed_items(session, job.id)
    ]
    return job_out(job, progress, _now(), failures)


@router.get(
    JOBS_PATH + "/{job_id}",
    response_model=JobOut,
    summary="A job's state and progress",
    responses=problem_responses(JobNotFound),
)
def get_job(job_id: JobId, session: SessionDep) -> JobOut:
    """State (`queued`, `running`, `done`, `failed`, `cancelled`), counts done / failed / total,
    timings, and each failed item with its reason."""
    return _job_view(session, _job(session, job_id))


@router.delete(
    JOBS_PATH + "/{job_id}",
    response_model=JobOut,
    summary="Cancel a job",
    responses=problem_responses(JobNotFound, JobFinished, Forbidden),
)
def cancel_job(job_id: JobId, session: SessionDep, principal: PrincipalDep) -> JobOut:
    """Cancel the items not finished yet: queued ones never run, a running one's result is
    discarded. Done items keep their results. Cancelling a cancelled job changes nothing; a
    finished one gets a 409. Only the job's owner, or an admin, may cancel it (403)."""
    job = _job(session, job_id)
    _check_owner(job, principal)
    if job.cancelled_at is None:
        progress = repository.progress(session, [job.id])[job.id]
        if progress.unfinished == 0:
            raise JobFinished(f"job {job_id} has finished: there is nothing left to cancel")
        repository.cancel_job(session, job)
    return _job_view(session, job)


@router.get(
    JOBS_PATH + "/{job_id}/results",
    summary="A job's results as a file",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The results, streamed.",
            "content": content_map(f.media_type for f in FORMATS.values()),
        },
        **problem_responses(JobNotFound, JobNotFinished),
    },
)
def job_results(
    job_id: JobId,
    request: Request,
    session: SessionDep,
    output_format: Annotated[
        ResultFormat,
        Query(
            alias="format",
            description=described({name: f.description for name, f in FORMATS.items()}),
        ),
    ] = DEFAULT_FORMAT,
    partial: Annotated[
        bool,
        Query(description="Stream what is finished even if the job is not (409 otherwise)."),
    ] = False,
) -> StreamingResponse:
    """The aligned documents of the job, streamed in submission order.

    A job still queued or running gets a 409 unless `partial=true`; the header
    `X-Alinea-Job-State` then says what the job's state was when the stream began.
    """
    job = _job(session, job_id)
    progress = repository.progress(session, [job.id])[job.id]
    out = job_out(job, progress, _now())
    if progress.unfinished and job.cancelled_at is None and not partial:
        raise JobNotFinished(
            f"job {job_id} is {out.state.value} ({out.counts.done + out.counts.failed} of "
            f"{out.counts.total} documents finished): ask again when it is done, or pass "
            "partial=true for what is finished"
        )
    session.close()
    database: Database = request.app.state.database
    spool = Spooled(
        lambda: stream(database, job_id, output_format),
        slots=request.app.state.stream_slots,
        wait=request.app.state.settings.database_pool_timeout,
        name=f"job-{job_id}",
    )
    spool.started()
    chosen = FORMATS[output_format]
    return StreamingResponse(
        iter(spool),
        media_type=chosen.media_type,
        headers={
            STATE_HEADER: out.state.value,
            "X-Alinea-Items-Done": str(out.counts.done),
            "X-Alinea-Items-Failed": str(out.counts.failed),
            "Content-Disposition": f'attachment; filename="job-{job_id}.{chosen.extension}"',
        },
    )


@router.get(
    "/v1/segments",
    response_model=SegmentPage,
    summary="Concordance: aligned segments matching a query or holding a concept",
    responses=problem_responses(QueryTooLong, InvalidQuery, InvalidCursor, ConceptNotFound),
)
def search(
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            pattern=NO_CONTROL_CHARACTERS,
            description='Words (all required, inflected forms found); "a phrase"; `prefix*`.',
        ),
    ] = None,
    lang: Annotated[Language, Query(description="The side to search.")] = Language.FR,
    concept: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_ID,
            description="A termbase concept: segments holding any of its terms in `lang`.",
        ),
    ] = None,
    job: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this job's segments.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Cursor = None,
) -> SegmentPage:
    """French/English segment pairs of aligned documents whose `lang` side matches `q` and/or
    holds the concept `concept` (whichever of its terms, in any inflection), best match first,
    with their job and document: how a phrase was translated before.

    Words are found in their inflected forms ("migrant" finds "migrants"), on SQLite and
    PostgreSQL alike; accents and case are ignored in matching, but segments with the query's
    very accents come first ("traite" before "Traité"). Each result gives the matched spans of
    the searched side (`matches`) and that side HTML-escaped with `<mark>` around them
    (`highlighted`). Searches every document aligned so far (a job need not be finished).
    """
    if q is None and concept is None:
        raise InvalidQuery("give a query (q), a concept, or both")
    if q is not None and len(q) > settings.max_query_chars:
        raise QueryTooLong(len(q), settings.max_query_chars)
    terms: list[str] = []
    if concept is not None:
        terms = _concept_terms(session, concept, lang.value)
    signature = query_signature(q, lang.value, job, concept)
    offset = cursor_int(decode_cursor(cursor, signature), "offset")
    try:
        hits, more = search_segments(
            session,
            q,
            lang.value,
            limit=limit,
            offset=offset,
            job_id=job,
            concept_terms=terms,
        )
    except EmptyQuery as exc:
        raise InvalidQuery(str(exc)) from exc
    return SegmentPage(
        query=q,
        concept=concept,
        lang=lang.value,
        items=hits,
        next_cursor=encode_cursor(s=signature, offset=offset + limit) if more else None,
    )


def _concept_terms(session: Any, concept_id: int, lang: str) -> list[str]:
    """The concept's terms in ``lang`` (any region, any status: a deprecated term still says
    where the concept occurs)."""
    if session.get(Concept, concept_id) is None:
        raise ConceptNotFound(concept_id)
    texts = session.execute(
        select(Term.text)
        .where(Term.concept_id == concept_id, (Term.lang == lang) | Term.lang.like(f"{lang}-%"))
        .order_by(Term.position)
    ).scalars()
    terms = list(dict.fromkeys(texts))
    if not terms:
        raise InvalidQuery(f"concept {concept_id} has no term in {lang!r}")
    return terms


@mining_router.post(
    JOBS_PATH + "/{job_id}/term-candidates",
    response_model=CandidateList,
    summary="Term candidates mined from a job's aligned documents, queued for review",
    responses=problem_responses(
        JobNotFound, JobNotFinished, JobTooLarge, Unauthorized, Forbidden, UnsupportedMediaType
    ),
)
def term_candidates(
    job_id: JobId,
    session: SessionDep,
    index: IndexDep,
    principal: PrincipalDep,
    request: Request,
    body: CandidateRequest | None = None,
) -> CandidateList:
    """French/English term pairs proposed from the job's aligned beads, best first: multi-word
    candidates on each side, paired by their association over beads and the aligner's lexicon,
    with frequency, scores, example beads, and `known` when the termbase already pairs them.
    Each has a stable `key`. A job still running gets a 409 unless `partial` is true.

    With `queue` (the default) the new pairs go to the review queue (`GET /v1/term-candidates`,
    collection `candidates`) with the job as their source; pairs known, pending already or
    rejected before are not queued (`queue` in the answer counts each). Queueing needs a key of
    the role terminologist; `"queue": false` only lists the candidates, which any reader may.
    """
    body = body or CandidateRequest()
    if body.queue:
        check_write(request, principal, Role.TERMINOLOGIST)
    documents = job_documents(session, job_id, partial=body.partial)
    session.close()
    found = mine(documents, index, body.options())
    answer = candidate_list(job_id, documents, found)
    if body.queue:
        answer.queue = queue_candidates(session, found, source=f"job {job_id}", user=principal.name)
        after_commit(session, lambda committed: request.app.state.index.refresh(session=committed))
    return answer
