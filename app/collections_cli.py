"""``alinea collections …`` and ``alinea candidates …``: the termbase's collections and the review
queue of term candidates, on the database of ``ALINEA_DATABASE_URL``.

They call the same service functions as ``/v1/collections`` and ``/v1/term-candidates``; errors
are one line on standard error and a non-zero exit.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from app.settings import Settings

collections_app = typer.Typer(
    help="The termbase's collections: the UN seed, vocabularies, the team's, candidates.",
    no_args_is_help=True,
)
candidates_app = typer.Typer(
    help="The review queue of term candidates mined from aligned documents.",
    no_args_is_help=True,
)

out = Console(soft_wrap=False)
err = Console(stderr=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Who decides, for the history.", show_default="login name"),
]


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database that commits at the end; termbase errors become
    one-line messages."""
    from app.cli import _open_database
    from termbase.errors import TermbaseError

    database = _open_database(Settings())
    try:
        with database.session() as session:
            yield session
    except TermbaseError as exc:
        _fail(str(exc))
    finally:
        database.dispose()


def _user(user: str | None) -> str:
    try:
        return user or getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "alinea-cli"


@collections_app.command("list")
def collections_list(as_json: JsonOption = False) -> None:
    """Every collection, highest priority first (answers are ranked in this order)."""
    from termbase.collections import list_collections

    with _session() as session:
        found = list_collections(session=session)
    if as_json:
        out.print_json(json.dumps([info.__dict__ for info in found], default=str))
        return
    table = Table(title="collections (highest priority first)")
    for column in ("name", "kind", "priority", "reliability", "concepts", "title"):
        table.add_column(column, justify="right" if column in ("priority", "concepts") else "left")
    for info in found:
        table.add_row(
            info.name,
            info.kind,
            str(info.priority),
            str(info.reliability),
            str(info.concepts),
            info.title or "",
        )
    out.print(table)


@collections_app.command("create")
def collections_create(
    name: Annotated[str, typer.Argument(help="Lower-case letters, digits, '.', '_', '-'.")],
    kind: Annotated[str, typer.Option(help="vocabulary or team.")] = "vocabulary",
    priority: Annotated[
        int | None, typer.Option(help="Higher ranks first; a vocabulary stays below the seed.")
    ] = None,
    reliability: Annotated[int | None, typer.Option(help="1 (least) to 10 (most).")] = None,
    title: Annotated[str | None, typer.Option(help="What it holds.")] = None,
) -> None:
    """Create a collection (a vocabulary's by default: priority 500, reliability 5)."""
    from termbase.collections import create_collection

    if kind not in ("vocabulary", "team"):
        _fail(f"--kind must be vocabulary or team, not {kind!r}", 2)
    with _session() as session:
        info = create_collection(
            name,
            session=session,
            kind=kind,
            title=title,
            priority=priority,
            reliability=reliability,
        )
    out.print(f"created collection {info.name} (priority {info.priority}, "
              f"reliability {info.reliability})", highlight=False)  # fmt: skip


@collections_app.command("set")
def collections_set(
    name: Annotated[str, typer.Argument(help="The collection.")],
    priority: Annotated[int | None, typer.Option(help="Higher ranks first.")] = None,
    reliability: Annotated[int | None, typer.Option(help="1 (least) to 10 (most).")] = None,
    title: Annotated[str | None, typer.Option(help="What it holds.")] = None,
) -> None:
    """Change a collection's priority, reliability or title."""
    from termbase.collections import update_collection

    if priority is None and reliability is None and title is None:
        _fail("nothing to change: give --priority, --reliability or --title", 2)
    with _session() as session:
        info = update_collection(
            name, session=session, priority=priority, reliability=reliability, title=title
        )
    out.print(f"{info.name}: priority {info.priority}, reliability {info.reliability}",
              highlight=False)  # fmt: skip


@candidates_app.command("list")
def candidates_list(
    status: Annotated[str, typer.Option(help="pending, accepted or rejected.")] = "pending",
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonOption = False,
) -> None:
    """The term candidates awaiting review (or those accepted or rejected)."""
    from termbase.candidates import list_candidates

    if status not in ("pending", "accepted", "rejected"):
        _fail(f"--status must be pending, accepted or rejected, not {status!r}", 2)
    with _session() as session:
        rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "fr": r.src_text,
                "en": r.tgt_text,
                "score": r.score,
                "frequency": r.frequency,
                "source": r.source,
                "example": (r.examples or [{}])[0],
            }
            for r in list_candidates(session, status=status, limit=limit)
        ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title=f"{len(rows)} {status} term candidates")
    for column in ("id", "fr", "en", "score", "beads", "source"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["id"]), row["fr"], row["en"], f"{row['score']:.2f}",
                      str(row["frequency"]), row["source"] or "")  # fmt: skip
    out.print(table)


@candidates_app.command("accept")
def candidates_accept(
    candidate_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1)], user: UserOption = None
) -> None:
    """Make the candidate a concept of the team's collection (example bead as context)."""
    from termbase.candidates import accept

    with _session() as session:
        row = accept(candidate_id, session=session, user=_user(user))
        concept = row.concept_id
    out.print(f"candidate {candidate_id} accepted: concept {concept}", highlight=False)


@candidates_app.command("reject")
def candidates_reject(
    candidate_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1)], user: UserOption = None
) -> None:
    """Reject the candidate: its pair is never proposed again."""
    from termbase.candidates import reject

    with _session() as session:
        reject(candidate_id, session=session, user=_user(user))
    out.print(f"candidate {candidate_id} rejected", highlight=False)


@candidates_app.command("edit")
def candidates_edit(
    candidate_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1)],
    fr: Annotated[str | None, typer.Option(help="The French term.")] = None,
    en: Annotated[str | None, typer.Option(help="The English term.")] = None,
    user: UserOption = None,
) -> None:
    """Change the French or English term of a pending candidate."""
    from termbase.candidates import edit

    if fr is None and en is None:
        _fail("nothing to change: give --fr or --en", 2)
    with _session() as session:
        row = edit(candidate_id, session=session, user=_user(user), fr=fr, en=en)
        pair = f"{row.src_text} / {row.tgt_text}"
    out.print(f"candidate {candidate_id}: {pair}", highlight=False)
