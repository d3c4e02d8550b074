"""FastAPI dependencies: the database session, the term index, the acting user."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.auth.access import PrincipalDep
from app.db import Database
from app.settings import Settings
from termbase.index import TermIndex


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """The request's unit of work (:meth:`Database.session`): committed when the route succeeds,
    before the response is sent, and rolled back when it fails. Routes never commit."""
    with database.session() as session:
        yield session


async def get_index(request: Request) -> TermIndex:
    """The process's term index, refreshed first if another process changed the termbase.

    The check (a one-row read) runs at most every ``index_check_interval`` seconds, in the thread
    pool so that a slow database or a rebuild never holds up the event loop; in between, look-ups
    cost no thread hop at all. Changes made through this process are seen at once anyway: its
    write routes refresh the index before they answer.
    """
    state = request.app.state
    index: TermIndex = state.index
    now = time.monotonic()
    if now - state.index_checked_at >= state.settings.index_check_interval:
        state.index_checked_at = now

        def refresh() -> None:
            with state.database.sessionmaker() as session:
                index.refresh(session=session)

        await run_in_threadpool(refresh)
    return index


async def get_user(principal: PrincipalDep) -> str:
    """Who makes a change, for the revision history: the owner of the request's API key (no
    header a client chooses)."""
    return principal.name


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the session ends (commits) before the response is sent, so that a commit
# that fails answers a problem, not a success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
IndexDep = Annotated[TermIndex, Depends(get_index)]
UserDep = Annotated[str, Depends(get_user)]
