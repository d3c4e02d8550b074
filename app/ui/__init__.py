"""The web interface served at ``/``: pages for translators and terminologists, and the API
documentation (Swagger UI at ``/docs``, ReDoc at ``/redoc``), every file shipped in the package."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.ui.routes import HERE, STATIC_PATH, helpers, pages


def install(app: FastAPI) -> None:
    """Mount the pages, their helpers and their static files on ``app`` (created with
    ``docs_url=None, redoc_url=None``: the documentation pages here load nothing from a CDN)."""
    app.include_router(pages)
    app.include_router(helpers)
    app.mount(STATIC_PATH, StaticFiles(directory=HERE / "static"), name="ui-static")
