"""Term look-up and recognition: what translators use while they work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from app.deps import IndexDep, SettingsDep
from app.errors import InvalidCursor, QueryTooLong, TextTooLong
from app.pagination import cursor_int, decode_cursor, encode_cursor, query_signature
from app.params import NO_CONTROL_CHARACTERS, Cursor
from app.problems import problem_responses
from app.schemas import (
    LookupPage,
    RecognizeRequest,
    RecognizeResponse,
    lookup_item,
    recognized_terms,
)
from termbase.errors import InvalidQuery
from termbase.index import MatchMode, TermIndex
from termbase.normalize import key_forms
from termbase.schemas import CollectionName, LanguageTag

router = APIRouter(prefix="/v1/terms", tags=["terms"])


def _known_collections(index: TermIndex, names: list[str] | None) -> list[str] | None:
    """The collections asked for, each known (an invalid query otherwise)."""
    if names is None:
        return None
    known = {c.name for c in index.collections}
    unknown = sorted(set(names) - known)
    if unknown:
        raise InvalidQuery(
            f"there is no collection {', '.join(repr(n) for n in unknown)} "
            "(see GET /v1/collections)"
        )
    return names


@router.get(
    "",
    response_model=LookupPage,
    summary="Look a term up",
    responses=problem_responses(QueryTooLong, InvalidQuery, InvalidCursor),
)
async def lookup_terms(
    index: IndexDep,
    settings: SettingsDep,
    q: Annotated[
        str,
        Query(min_length=1, pattern=NO_CONTROL_CHARACTERS, description="The term to look up."),
    ],
    src: Annotated[LanguageTag, Query(description="Language of the query (BCP 47).")] = "fr",
    tgt: Annotated[LanguageTag, Query(description="Language of the equivalents (BCP 47).")] = "en",
    match: Annotated[MatchMode, Query(description="exact, prefix or fuzzy (typos, accents).")] = (
        MatchMode.EXACT
    ),
    limit: Annotated[int, Query(ge=1, le=200, description="Concepts per page.")] = 20,
    cursor: Cursor = None,
    collection: Annotated[
        list[CollectionName] | None,
        Query(
            max_length=100,
            description="Only concepts of this collection (repeat for several; "
            "GET /v1/collections). Default: every collection but the candidates.",
        ),
    ] = None,
) -> Response:
    """Concepts with a source-language term matching `q`, and their target-language terms.

    Matching ignores case, typographic apostrophes, non-breaking spaces, hyphen variants, a
    leading article and plural inflection; `fuzzy` also ignores accents and tolerates typos.
    """
    if len(q) > settings.max_query_chars:
        raise QueryTooLong(len(q), settings.max_query_chars)
    if not key_forms(q, src):
        raise InvalidQuery("q has no letters or digits to look up")
    collections = _known_collections(index, collection)
    signature = query_signature(q, src, match.value, *sorted(collection or ()))
    offset = cursor_int(decode_cursor(cursor, signature), "o")
    # A look-up is a few dozen microseconds of in-memory work: it runs on the event loop, and
    # its page goes out as JSON directly rather than being validated again by FastAPI.
    if match is MatchMode.FUZZY:
        # milliseconds of scoring: in the thread pool, so exact look-ups do not queue behind it
        hits, more = await run_in_threadpool(
            index.lookup,
            q,
            src=src,
            mode=match,
            offset=offset,
            limit=limit,
            collections=collections,
        )
    else:
        hits, more = index.lookup(
            q, src=src, mode=match, offset=offset, limit=limit, collections=collections
        )
    page = LookupPage.model_construct(
        query=q,
        src=src,
        tgt=tgt,
        match=match.value,
        items=[lookup_item(hit, tgt) for hit in hits],
        next_cursor=encode_cursor(o=offset + limit, s=signature) if more else None,
    )
    return Response(page.model_dump_json(), media_type="application/json")


@router.post(
    "/recognize",
    response_model=RecognizeResponse,
    summary="Find every termbase term in a text",
    responses=problem_responses(TextTooLong),
)
def recognize_terms(body: RecognizeRequest, index: IndexDep, settings: SettingsDep) -> Response:
    """Every termbase term found in the text, with character offsets and its equivalents.

    The longest match wins where terms overlap; inflected forms are found too. At most
    `ALINEA_MAX_RECOGNIZE_MATCHES` terms (1,000) are returned, the first ones in the text:
    `truncated` then says so and `found` gives how many there were; send the text after the
    last one's `end` for the rest.
    """
    if len(body.text) > settings.max_recognize_chars:
        raise TextTooLong(
            f"the text has {len(body.text)} characters; the limit is {settings.max_recognize_chars}"
        )
    collections = _known_collections(index, body.collections)
    spans = index.recognize(body.text, src=body.src, collections=collections)
    # A text can hold a term thousands of times, each described with its concept: the answer
    # is bounded (measured before: 1 MB of text, 127 MB of JSON).
    most = settings.max_recognize_matches
    result = RecognizeResponse.model_construct(
        src=body.src,
        tgt=body.tgt,
        terms=recognized_terms(spans[:most], body.tgt),
        found=len(spans),
        truncated=len(spans) > most,
    )
    return Response(result.model_dump_json(), media_type="application/json")
