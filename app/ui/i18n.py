"""The interface's words in English and French, and which language a request gets.

One catalogue (``messages/en.json``, ``messages/fr.json``) for the pages (Jinja2) and their
scripts (sent to the page as a JSON block): ``MESSAGES[lang][key]``, with ``{name}``
placeholders the scripts fill in. Both languages must have the same keys (a test checks it).
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.requests import Request

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
COOKIE = "alinea_lang"

MESSAGES: dict[str, dict[str, str]] = {
    lang: json.loads((Path(__file__).parent / "messages" / f"{lang}.json").read_text("utf-8"))
    for lang in LANGUAGES
}


def choose_language(request: Request) -> str:
    """``?lang=`` first, then the cookie the switch left, then the browser's preference."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    stored = request.cookies.get(COOKIE, "")
    if stored in LANGUAGES:
        return stored
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE
