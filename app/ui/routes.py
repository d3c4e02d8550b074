"""The pages of the web interface, the offline API documentation, and two helpers of the pages.

The pages are HTML shells rendered here (labels in the reader's language); their scripts call
the JSON API under ``/v1`` directly, with the reader's API key as a bearer token when they have
signed in, so the interface adds no way to write that the API does not have, and no cookie that
could carry authority. The two helpers change nothing: the text of a ``.docx`` file to align, and
a corrected alignment written as TMX or TSV by the aligner's own writers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app import __version__
from app.align_formats import AlignFormat, media_type
from app.auth.access import Access
from app.deps import SettingsDep
from app.documents import DocumentError, docx_text
from app.errors import DocumentTooLarge, InvalidRequest, InvalidText, UnsupportedMediaType
from app.ui.i18n import COOKIE, LANGUAGES, MESSAGES, choose_language

HERE = Path(__file__).resolve().parent
STATIC_PATH = "/ui/static"
templates = Jinja2Templates(directory=HERE / "templates")

# The interface's pages load nothing from elsewhere, run no inline script and accept no framing.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc start from an inline script and style their components inline; they too
# load nothing from elsewhere (ReDoc runs its search in a worker made from a blob).
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

PAGES = {
    "lookup": "/",
    "check": "/check",
    "align": "/align",
    "jobs": "/jobs",
    "desk": "/desk",
}

pages = APIRouter(include_in_schema=False)


def _page(request: Request, name: str) -> HTMLResponse:
    lang = choose_language(request)
    messages = MESSAGES[lang]
    other = next(code for code in LANGUAGES if code != lang)
    response = templates.TemplateResponse(
        request,
        f"{name}.html",
        {
            "page": name,
            "pages": PAGES,
            "lang": lang,
            "other_lang": other,
            # the same page in the other language (its query, e.g. ?q=, kept)
            "switch_href": "?" + urlencode({**request.query_params, "lang": other}),
            "t": messages,
            "messages": messages,
            "static": STATIC_PATH,
            "version": __version__,
            # ALINEA_AUTH: with "off" the pages write without a key
            "auth": request.app.state.settings.auth,
        },
        headers={"Content-Security-Policy": PAGE_CSP, **SECURITY_HEADERS},
    )
    if request.query_params.get("lang") in LANGUAGES:
        # A preference, not an authority: nothing the service does depends on it.
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def _add_page(name: str, path: str) -> None:
    def show(request: Request) -> HTMLResponse:
        return _page(request, name)

    show.__name__ = f"ui_{name}"
    pages.add_api_route(path, show, methods=["GET"], response_class=HTMLResponse)


for _name, _path in PAGES.items():
    _add_page(_name, _path)


@pages.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    html = get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title="Alinea – API",
        swagger_js_url=f"{STATIC_PATH}/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_PATH}/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{STATIC_PATH}/favicon.svg",
        # no badge from the online validator: nothing is fetched from elsewhere
        swagger_ui_parameters={"validatorUrl": None},
    )
    html.headers.update({"Content-Security-Policy": DOCS_CSP, **SECURITY_HEADERS})
    return html


@pages.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    html = get_redoc_html(
        openapi_url=request.app.openapi_url,
        title="Alinea – API",
        redoc_js_url=f"{STATIC_PATH}/vendor/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{STATIC_PATH}/favicon.svg",
        with_google_fonts=False,
    )
    html.headers.update({"Content-Security-Policy": DOCS_CSP, **SECURITY_HEADERS})
    return html


# -- helpers of the pages (they change nothing: reads, under the same access rules and limits) --

EXPORT_PATH = "/ui/api/align/export"
DOCUMENT_TEXT_PATH = "/ui/api/document-text"
# Bodies as large as an alignment's (BodySizeLimit in app.main).
LARGE_BODY_PATHS = (EXPORT_PATH, DOCUMENT_TEXT_PATH)
helpers = APIRouter(include_in_schema=False, dependencies=[Depends(Access(None))])

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_EXPORT_SENTENCES = 64_000
Sentence = Annotated[str, StringConstraints(max_length=100_000)]


class DocumentText(BaseModel):
    text: str
    name: str


@helpers.post(DOCUMENT_TEXT_PATH, response_model=DocumentText)
async def document_text(
    request: Request,
    settings: SettingsDep,
    name: Annotated[str, Query(min_length=1, max_length=300, pattern=r"^[^\x00-\x1f\x7f]+$")],
) -> DocumentText:
    """The body paragraphs of a ``.docx`` document sent as the body, to fill a side of the
    alignment form (the browser reads plain text files itself)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != DOCX_MEDIA_TYPE:
        raise UnsupportedMediaType(
            f"send the .docx file as the body, with the content type {DOCX_MEDIA_TYPE}"
        )
    data = await request.body()
    try:
        text, _ = docx_text(
            data, name, max_text_bytes=settings.max_align_bytes, setting="ALINEA_MAX_ALIGN_BYTES"
        )
    except DocumentError as exc:
        if exc.too_large:
            raise DocumentTooLarge(str(exc)) from exc
        raise InvalidText(str(exc)) from exc
    return DocumentText(text=text, name=name)


class CorrectedBead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fr: list[Annotated[int, Field(ge=0)]] = Field(max_length=MAX_EXPORT_SENTENCES)
    en: list[Annotated[int, Field(ge=0)]] = Field(max_length=MAX_EXPORT_SENTENCES)
    confidence: float = Field(default=1.0, ge=0, le=1)
    review: Annotated[str, StringConstraints(pattern="^(omission|addition|mismatch)$")] | None = (
        None
    )


class CorrectedAlignment(BaseModel):
    """Both sides' sentences and the beads that link them, as the reader corrected them."""

    model_config = ConfigDict(extra="forbid")

    fr: list[Sentence] = Field(max_length=MAX_EXPORT_SENTENCES)
    en: list[Sentence] = Field(max_length=MAX_EXPORT_SENTENCES)
    beads: list[CorrectedBead] = Field(max_length=2 * MAX_EXPORT_SENTENCES)


def _check_cover(beads: list[CorrectedBead], side: str, count: int) -> None:
    """The beads must take each sentence of the side once, in order (as the aligner's do)."""
    expected = 0
    for number, bead in enumerate(beads):
        for index in getattr(bead, side):
            if index >= count:
                raise InvalidRequest(
                    f"bead {number}: there is no {side} sentence {index} (the side has {count})"
                )
            if index != expected:
                raise InvalidRequest(
                    f"bead {number}: {side} sentence {index} out of order (expected {expected}): "
                    "the beads must take every sentence once, in order"
                )
            expected += 1
    if expected != count:
        raise InvalidRequest(
            f"the beads take {expected} of the {count} {side} sentences: they must take them all"
        )


EXPORT_DEFAULT = AlignFormat("tmx")


@helpers.post(EXPORT_PATH)
def export_alignment(
    body: CorrectedAlignment,
    output_format: Annotated[AlignFormat, Query(alias="format")] = EXPORT_DEFAULT,
) -> Response:
    """A corrected alignment written by the aligner's writers (TMX, TSV, or any format of
    ``POST /v1/align``)."""
    from alignment.types import Alignment, Bead, Paragraph, ParagraphBead, Sentence, Side, Span

    for side in ("fr", "en"):
        _check_cover(body.beads, side, len(getattr(body, side)))
    if any(not bead.fr and not bead.en for bead in body.beads):
        raise InvalidRequest("a bead without sentences")

    def side_of(lang: str, texts: list[str]) -> Side:
        sentences, offset = [], 0
        for index, text in enumerate(texts):
            sentences.append(Sentence(index, text, (Span(offset, offset + len(text)),), 0))
            offset += len(text) + 1
        return Side(lang, sentences, [Paragraph(0, tuple(range(len(texts))))])

    beads = [
        Bead(tuple(b.fr), tuple(b.en), b.confidence, b.review)  # type: ignore[arg-type]
        for b in body.beads
    ]
    alignment = Alignment(
        side_of("fr", body.fr),
        side_of("en", body.en),
        [ParagraphBead((0,), (0,), 1.0, beads)],
    )
    from alignment.formats import FORMATS
    from app.align_formats import render

    extension = FORMATS[output_format.value].extension
    headers: dict[str, Any] = {
        "Content-Disposition": f'attachment; filename="alignment.{extension}"'
    }
    return Response(
        render(alignment, output_format), media_type=media_type(output_format), headers=headers
    )
