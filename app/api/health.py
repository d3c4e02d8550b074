"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.db import current_revision, head_revision
from app.deps import get_database
from app.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/livez", response_model=Health, summary="Is the process alive")
def livez() -> Health:
    """Answers as long as the process serves requests; touches no database."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Is the service ready",
    responses={503: {"model": Health, "description": "Not ready"}},
)
def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is at the latest migration."""
    database = get_database(request)
    checks: dict[str, str] = {}
    ready = True
    try:
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        current, head = current_revision(database.engine), head_revision()
        if current == head:
            checks["migrations"] = f"ok ({current})"
        else:
            checks["migrations"] = f"at {current}, head is {head}"
            ready = False
    except Exception as exc:  # any failure to reach the database means not ready
        checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = False
    body = Health(status="ok" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
