"""Termbase exchange over HTTP: export as TBX, TBX v2, CSV or TSV; import a file."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from typing import IO, Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import StreamingResponse
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from app.deps import SettingsDep, UserDep
from app.errors import (
    BadForm,
    EmptyFile,
    ImportNotAccepted,
    InvalidRequest,
    RequestTooLarge,
    ServiceBusy,
    UnsupportedMediaType,
)
from app.formats import content_map, described, or_list
from app.imports import import_file
from app.problems import problem_responses
from app.streams import Spooled
from termbase.exchange import formats as exchange
from termbase.exchange.export import export_termbase
from termbase.exchange.formats import ExportFormat, ImportFormat
from termbase.exchange.importer import (
    ImportOptions,
    ImportReport,
    MergeMode,
    MergePolicy,
    OnConflict,
    OnDuplicate,
)
from termbase.exchange.selection import ExportFilter
from termbase.models import TermStatus
from termbase.schemas import CollectionName, normalize_language_tag

EXPORT_PATH = "/v1/termbase/export"
IMPORT_PATH = "/v1/termbase/import"
# Uploads stay in memory up to this size, then go to a temporary file.
SPOOL_IN_MEMORY = 8 * 1024 * 1024

FORM = "multipart/form-data"

router = APIRouter(tags=["termbase"])


class _FormFile:
    """Streams the part named ``file`` of a multipart/form-data body into ``sink`` as the body
    arrives (other parts are ignored), so a form upload is held to the same byte limit and never
    kept whole in memory."""

    def __init__(self, content_type: str, sink: IO[bytes]) -> None:
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if not boundary:
            raise BadForm("the form has no boundary in its content type")
        self.sink = sink
        self.media_type = ""
        self.found = False
        self._in_file = False
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def write(self, data: bytes) -> None:
        try:
            self._parser.write(data)
        except MultipartParseError as exc:
            raise BadForm(f"the form cannot be read: {exc}") from exc

    def finish(self) -> None:
        try:
            self._parser.finalize()
        except MultipartParseError as exc:
            raise BadForm(f"the form cannot be read: {exc}") from exc
        if not self.found:
            raise EmptyFile("the form has no part named 'file' (curl -F file=@termbase.tbx)")

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._in_file = params.get(b"name") == b"file" and not self.found
        if self._in_file:
            part_type = self._headers.get(b"content-type", b"").decode("latin-1")
            self.media_type = part_type.split(";")[0].strip().lower()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.sink.write(data[start:end])

    def _part_end(self) -> None:
        if self._in_file:
            self.found = True
            self._in_file = False


DEFAULT_EXPORT = ExportFormat(next(iter(exchange.WRITABLE)))
DEFAULT_IMPORT = ImportFormat(exchange.AUTO)

# Content types an import takes, and the format each one means (None: look at the content).
IMPORT_TYPES: dict[str, str | None] = {
    **{media_type: name for name, f in exchange.READABLE.items() for media_type in f.accepts},
    "text/plain": None,
    "application/octet-stream": None,
    "application/vnd.ms-excel": None,  # what some systems call any .csv file
}


def _languages(tags: list[str] | None) -> tuple[str, ...]:
    result: list[str] = []
    errors: list[dict[str, Any]] = []
    for i, tag in enumerate(tags or ()):
        try:
            result.append(normalize_language_tag(tag))
        except ValueError as exc:
            errors.append({"loc": ["query", "lang", i], "msg": str(exc), "type": "value_error"})
    if errors:
        raise InvalidRequest(str(errors[0]["msg"]), errors)
    return tuple(result)


@router.get(
    EXPORT_PATH,
    summary="Export the termbase",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The termbase file, streamed: "
            + or_list(f.description for f in exchange.WRITABLE.values())
            + ".",
            "content": content_map(f.media_type for f in exchange.WRITABLE.values()),
        },
        **problem_responses(InvalidRequest, ServiceBusy),
    },
)
def export_termbase_file(
    request: Request,
    export_format: Annotated[
        ExportFormat,
        Query(
            alias="format",
            description=described({n: f.description for n, f in exchange.WRITABLE.items()}),
        ),
    ] = DEFAULT_EXPORT,
    subject_field: Annotated[
        list[str] | None,
        Query(max_length=200, description="Only concepts of this subject field (repeatable)."),
    ] = None,
    lang: Annotated[
        list[str] | None,
        Query(
            max_length=35,
            description="Only terms in this language (BCP 47; `fr` takes `fr-CA`; repeatable).",
        ),
    ] = None,
    status: Annotated[
        list[TermStatus] | None, Query(description="Only terms with this status (repeatable).")
    ] = None,
    changed_since: Annotated[
        datetime | None,
        Query(description="Only concepts created or changed since (ISO 8601; UTC if no zone)."),
    ] = None,
) -> StreamingResponse:
    """The termbase (or the part the filters select) as a file, streamed as it is read.

    A concept left without terms by the language and status filters is not exported.
    """
    selection = ExportFilter(
        subject_fields=tuple(subject_field or ()),
        languages=_languages(lang),
        statuses=tuple(s.value for s in status or ()),
        changed_since=changed_since,
    )
    database = request.app.state.database
    # Spooled: the database is read to its end at its own pace, whatever the client's (a client
    # that stops reading must not keep a pooled connection; app.streams). The first piece (the
    # header) is waited for here: a database that cannot be reached gets a 503 problem instead
    # of a broken file.
    spool = Spooled(
        lambda: export_termbase(database.sessionmaker, export_format, selection),
        slots=request.app.state.stream_slots,
        wait=request.app.state.settings.database_pool_timeout,
        name="export",
    )
    spool.started()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    chosen = exchange.FORMATS[export_format]
    filename = f"alinea-termbase-{stamp}{chosen.file_suffix}.{chosen.extension}"
    return StreamingResponse(
        iter(spool),
        media_type=chosen.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _run_import(app: FastAPI, upload: IO[bytes], options: ImportOptions) -> ImportReport:
    return import_file(
        app.state.database,
        upload,  # type: ignore[arg-type]
        options,
        then=lambda session: app.state.index.refresh(session=session),
    )


@router.post(
    IMPORT_PATH,
    response_model=ImportReport,
    summary="Import a termbase file",
    responses=problem_responses(
        ImportNotAccepted, RequestTooLarge, UnsupportedMediaType, InvalidRequest, BadForm, EmptyFile
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file itself as the body: "
            + or_list(f.description for f in exchange.READABLE.values())
            + ".",
            "content": {
                **content_map(f.media_type for f in exchange.READABLE.values()),
                FORM: {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    },
)
async def import_termbase_file(
    request: Request,
    user: UserDep,
    settings: SettingsDep,
    import_format: Annotated[
        ImportFormat,
        Query(
            alias="format",
            description=f"{exchange.AUTO} (from the content type, else the content), "
            + or_list(exchange.READABLE)
            + ".",
        ),
    ] = DEFAULT_IMPORT,
    collection: Annotated[
        CollectionName | None,
        Query(
            description="The collection new concepts go to (created as a vocabulary if missing). "
            "Default: the one the file names, else the team's; a SKOS vocabulary's own."
        ),
    ] = None,
    dry_run: Annotated[
        bool, Query(description="Check and count everything, write nothing.")
    ] = False,
    merge: Annotated[
        str,
        Query(
            max_length=50,
            description="What an incoming concept matches: `id` (an Alinea id, `alinea-12`), "
            "`term:<lang>` (a term in that language) or `none`.",
        ),
    ] = "id",
    mode: Annotated[
        MergeMode,
        Query(description="What happens to a matched concept: replace, add or skip."),
    ] = MergeMode.REPLACE,
    on_conflict: Annotated[
        OnConflict,
        Query(
            description="A concept changed here since the file was exported (a conflict): `keep` "
            "lists it in `conflicts` and leaves it alone, `overwrite` merges it all the same."
        ),
    ] = OnConflict.KEEP,
    on_duplicate: Annotated[
        OnDuplicate | None,
        Query(
            description="A concept written with the main term of another: `warn` lists it in "
            "`possible_duplicates`, `refuse` makes it an error. Default: ALINEA_ON_DUPLICATE."
        ),
    ] = None,
) -> Any:
    """Import a termbase file: all of it or nothing.

    The body is the file (`curl --data-binary @termbase.tbx -H 'content-type: application/xml'`),
    or a form whose part `file` is the file (`curl -F file=@termbase.tbx`); either way it is
    streamed to a temporary file, counted against `ALINEA_MAX_IMPORT_BYTES`.
    The answer is the report: concepts and terms created, updated, unchanged, skipped; each
    concept changed with what changed, before and after (`changes`); conflicts (concepts changed
    here since the file was exported, left alone unless `on_conflict=overwrite`); possible
    duplicates; warnings (what was kept in notes). An import with errors is refused with a 422
    problem whose `errors` give each one's line and column and whose `report` is the whole
    report; nothing is written.
    """
    try:
        policy = MergePolicy.parse(merge, mode.value)
    except ValueError as exc:
        raise InvalidRequest(
            str(exc), [{"loc": ["query", "merge"], "msg": str(exc), "type": "value_error"}]
        ) from exc
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type and media_type not in IMPORT_TYPES and media_type != FORM:
        raise UnsupportedMediaType(
            f"cannot import {media_type}: send TBX as application/xml, CSV as text/csv or TSV "
            "as text/tab-separated-values, or any of them as the part 'file' of a form"
        )
    limit = settings.max_import_bytes
    upload = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed below)
    try:
        form = _FormFile(content_type, upload) if media_type == FORM else None
        size = 0
        async for piece in request.stream():
            size += len(piece)
            if size > limit:
                raise RequestTooLarge(
                    f"the file is over the limit of {limit:,} bytes (ALINEA_MAX_IMPORT_BYTES)"
                )
            if form is None:
                upload.write(piece)
            else:
                form.write(piece)
        if form is not None:
            form.finish()
            media_type = form.media_type
        chosen: str = import_format
        if chosen == exchange.AUTO and media_type:
            chosen = IMPORT_TYPES.get(media_type) or exchange.AUTO
        if upload.tell() == 0:
            raise EmptyFile("the request has no file in its body")
        upload.seek(0)
        options = ImportOptions(
            format=chosen,
            policy=policy,
            dry_run=dry_run,
            user=user,
            max_bytes=limit,
            on_conflict=on_conflict,
            on_duplicate=on_duplicate or settings.on_duplicate,
            collection=collection,
        )
        report = await run_in_threadpool(_run_import, request.app, upload, options)
    finally:
        upload.close()
    if not report.accepted:
        too_large = any(error.code == "too-large" for error in report.errors)
        raise ImportNotAccepted(
            f"the import was refused, nothing was written: {report.first_error()}"
            + (f" (and {len(report.errors) - 1} more errors)" if len(report.errors) > 1 else ""),
            report=report,
            too_large=too_large,
        )
    return report
