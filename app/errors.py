"""The errors the application raises on purpose, one class per problem type.

They say what went wrong in the service's own terms and know nothing of HTTP: the job intake, the
cursors, the routes and the command line raise them alike. :mod:`app.problems` maps each, once,
to its RFC 9457 problem (status, ``type`` URI, title); the termbase's own errors are in
:mod:`termbase.errors`, mapped the same way.
"""

from __future__ import annotations

from typing import Any


class AlineaError(Exception):
    """Base class of every error the application raises on purpose."""


# -- requests -------------------------------------------------------------------------------------


class InvalidRequest(AlineaError):
    """A parameter or a value that breaks a rule; ``errors`` lists each one with its location."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors


class QueryTooLong(AlineaError):
    """A search query over the length limit (``ALINEA_MAX_QUERY_CHARS``)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"the query is {length:,} characters long; the limit is {limit:,} "
            "(ALINEA_MAX_QUERY_CHARS)"
        )
        self.length = length
        self.limit = limit


class InvalidCursor(AlineaError):
    """A pagination cursor the service did not issue, or issued for another query."""


class UnsupportedMediaType(AlineaError):
    """A body of a type the operation does not take."""


class RequestTooLarge(AlineaError):
    """A request body over its size limit."""


class RequestTimeout(AlineaError):
    """A request whose headers did not arrive in time."""


class BadForm(AlineaError):
    """A multipart form that cannot be read."""


class EmptyFile(AlineaError):
    """An upload without the file it should hold."""


class PreconditionRequired(AlineaError):
    """A write that must say which revision it is based on, and does not."""


class Unauthorized(AlineaError):
    """No API key where one is needed, or a key that is not valid (``invalid_token``)."""

    def __init__(self, message: str, *, invalid_token: bool = False) -> None:
        super().__init__(message)
        self.invalid_token = invalid_token


class Forbidden(AlineaError):
    """A key whose role does not allow the operation, or a job that is not the key's."""


class RateLimited(AlineaError):
    """Over a rate limit; ``retry_after``: the seconds until the window has room again."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceBusy(AlineaError):
    """No capacity free in time (a database connection, a stream slot): try again shortly."""

    retry_after = 5


# -- texts and alignment --------------------------------------------------------------------------


class TextTooLong(AlineaError):
    """A text over its size limit (a side to align, a text to recognise terms in)."""


class InvalidText(AlineaError):
    """Bytes that are not text the service reads (an encoding it does not take, a lone
    surrogate)."""


class TooManySentences(AlineaError):
    """A side with more sentences than the aligner takes (``ALINEA_MAX_ALIGN_SENTENCES``)."""


class CannotAlign(AlineaError):
    """Input the aligner cannot align (an empty side, no sentence boundaries, binary data)."""


# -- jobs -----------------------------------------------------------------------------------------


class JobNotFound(AlineaError):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"there is no job {job_id}")
        self.job_id = job_id


class JobFinished(AlineaError):
    """A change to a job that has finished (cancelling it)."""


class JobNotFinished(AlineaError):
    """The results of a job still queued or running, asked for whole."""


class JobTooLarge(AlineaError):
    """A job with more aligned beads than one request reads at once (term extraction, QA)."""


class TooManyDocuments(AlineaError):
    """A job with more document pairs than ``ALINEA_JOB_MAX_ITEMS``."""


class DocumentTooLarge(AlineaError):
    """A document, or the files of an upload once unpacked, over a size limit."""


class InvalidUpload(AlineaError):
    """Uploaded files that do not make document pairs (names, pairing, archives)."""


class EmptyDocument(AlineaError):
    """A document with nothing to align."""


# -- termbase exchange ----------------------------------------------------------------------------


class ImportNotAccepted(AlineaError):
    """A termbase import refused for its errors; nothing was written. ``report``: the whole
    report (a pydantic model); ``too_large``: the file is over ``ALINEA_MAX_IMPORT_BYTES``."""

    def __init__(self, message: str, *, report: Any, too_large: bool = False) -> None:
        super().__init__(message)
        self.report = report
        self.too_large = too_large
