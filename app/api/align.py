"""Sentence alignment of a French translation with its English original, over HTTP."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.align_formats import MEDIA_TYPES, AlignFormat, SourceLanguage, render
from app.deps import SettingsDep
from app.errors import CannotAlign, InvalidText, TextTooLong, TooManySentences
from app.problems import problem_responses
from app.schemas import AlignRequest, AlignResponse

ALIGN_PATH = "/v1/align"
WARNINGS_HEADER = "X-Alinea-Warnings"

router = APIRouter(tags=["alignment"])


def side_text(side: str | list[str], name: str, max_bytes: int) -> str:
    """One side as the aligner takes it; TextTooLong or InvalidText if it is too large or not
    text."""
    text = "\n".join(side) if isinstance(side, list) else side
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # JSON lets "\ud800" through: a lone surrogate half
        raise InvalidText(
            f"the {name} text is not valid Unicode: it holds a lone surrogate "
            f"(U+{ord(text[exc.start]):04X} at offset {exc.start})"
        ) from exc
    if size > max_bytes:
        raise TextTooLong(
            f"the {name} text is {size:,} bytes in UTF-8; the limit is {max_bytes:,} bytes a side"
        )
    return text


_OTHER_FORMATS: dict[str, dict[str, Any]] = {
    MEDIA_TYPES[f].split(";")[0]: {} for f in AlignFormat if f is not AlignFormat.JSON
}


@router.post(
    ALIGN_PATH,
    response_model=AlignResponse,
    summary="Align a French translation with its English original",
    responses={
        200: {
            "description": "The alignment (JSON), or the file asked for with `format`.",
            "content": _OTHER_FORMATS,
            "headers": {
                WARNINGS_HEADER: {
                    "description": "For formats other than JSON: the warnings, as a JSON array.",
                    "schema": {"type": "string"},
                }
            },
        },
        **problem_responses(TextTooLong, TooManySentences, InvalidText, CannotAlign),
    },
)
def align_texts(
    body: AlignRequest,
    settings: SettingsDep,
    output_format: Annotated[
        AlignFormat,
        Query(
            alias="format",
            description="json (default), tmx (TMX 1.4b), xliff (XLIFF 2.1), tsv (one bead a "
            "row), beads (`[3]:[3,4]` lines) or html (side by side).",
        ),
    ] = AlignFormat.JSON,
    source: Annotated[
        SourceLanguage,
        Query(
            description="TMX and XLIFF: the source language (English, the original, by default)."
        ),
    ] = SourceLanguage.EN,
    one_sided: Annotated[
        bool,
        Query(
            description="TMX: also write one-sided beads (omissions and additions) as units "
            "with one variant."
        ),
    ] = False,
) -> Response:
    """Split both texts into sentences and paragraphs and link them: sentence beads (1-1, 2-1,
    1-0 …) with a confidence each, grouped into paragraph beads, covering every sentence of both
    sides in order.

    Raw document text is cleaned up first (page furniture dropped, footnotes lifted out,
    paragraphs cut by page breaks mended); pre-segmented text is taken one sentence a line.
    Each bead has a confidence (the chance it is right) and, where a translator should look,
    a `review` reason: `omission` (an English sentence with no French), `addition` (the
    reverse, page furniture excepted) or `mismatch` (sides that share almost nothing); the
    `summary` counts them, and so do the warnings.

    Each side may be up to `ALINEA_MAX_ALIGN_BYTES` in UTF-8 and `ALINEA_MAX_ALIGN_SENTENCES`
    sentences (413 above); input that cannot be aligned (an empty side, binary data, text
    without sentence boundaries) gets a 422.
    """
    # A plain function: FastAPI runs it in its thread pool, so a long alignment never holds up
    # the event loop.
    # Imported here, not at start-up: the aligner brings numba (about 50 MB of compiler) that a
    # service used only for term look-up should not carry.
    from alignment.align import AlignmentError, AlignmentTooLarge, AlignOptions, align

    fr_text = side_text(body.fr, "French", settings.max_align_bytes)
    en_text = side_text(body.en, "English", settings.max_align_bytes)
    options = AlignOptions(
        presegmented=body.is_presegmented, max_sentences=settings.max_align_sentences
    )
    try:
        alignment = align(fr_text, en_text, options=options, anchors=body.anchors)
    except AlignmentTooLarge as exc:
        raise TooManySentences(str(exc)) from exc
    except AlignmentError as exc:
        raise CannotAlign(str(exc)) from exc
    headers = {}
    if output_format is not AlignFormat.JSON:
        headers[WARNINGS_HEADER] = json.dumps(alignment.warnings)
    return Response(
        render(alignment, output_format, source=source.value, one_sided=one_sided),
        media_type=MEDIA_TYPES[output_format],
        headers=headers,
    )
