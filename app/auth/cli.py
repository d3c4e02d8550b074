"""``alinea keys …``: make, list and revoke API keys, on the database of ALINEA_DATABASE_URL.

Whoever can run this can reach the database directly, so it needs no key itself: it is how the
first admin key is made (``alinea keys create --role admin --name me``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.auth.models import ApiKey, Role
from app.settings import Settings

keys_app = typer.Typer(
    help="API keys: who may use the service, and with which role (reader, terminologist, admin).",
    no_args_is_help=True,
)

out = Console(soft_wrap=False)
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _database():  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import Database, upgrade

    settings = Settings()
    try:
        database = Database(settings.database_url)
        if settings.auto_migrate:
            upgrade(database.engine)
        return database
    except SQLAlchemyError as exc:
        fail(f"cannot open the database {settings.database_url!r}: {str(exc).splitlines()[0]}")


def _row(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role,
        "prefix": f"alinea_{key.prefix}_…",
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@keys_app.command("create")
def create(
    name: Annotated[
        str, typer.Option("--name", help="Whose key: the name written into the history.")
    ],
    role: Annotated[
        Role, typer.Option("--role", help="reader, terminologist or admin.", case_sensitive=False)
    ] = Role.READER,
    as_json: JsonOption = False,
) -> None:
    """Make a key and print it, once: it is stored only as a hash and cannot be shown again."""
    from app.auth.keys import KeyProblem, create_key

    database = _database()
    try:
        with database.session() as session:
            key, token = create_key(session, name=name, role=role)
            row = _row(key)
    except KeyProblem as exc:
        fail(str(exc), 2)
    finally:
        database.dispose()
    if as_json:
        out.print_json(json.dumps({**row, "key": token}))
        return
    out.print(f"key {row['id']} for {escape(row['name'])} ({row['role']}):", highlight=False)
    out.print(token, highlight=False, soft_wrap=True)
    err.print(
        "Keep it now: it is not stored and cannot be shown again. Send it as "
        "'Authorization: Bearer <key>', or set ALINEA_API_KEY for `alinea jobs …`.",
        highlight=False,
    )


@keys_app.command("list")
def list_command(
    include_revoked: Annotated[bool, typer.Option("--all", help="Revoked keys too.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The keys (never the keys themselves: their id, owner, role and public prefix)."""
    from app.auth.keys import list_keys

    database = _database()
    try:
        with database.sessionmaker() as session:
            rows = [_row(key) for key in list_keys(session, include_revoked=include_revoked)]
    finally:
        database.dispose()
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("id", "name", "role", "key", "created", "revoked")
    for row in rows:
        table.add_row(
            str(row["id"]),
            escape(row["name"]),
            row["role"],
            row["prefix"],
            row["created_at"][:19],
            (row["revoked_at"] or "")[:19],
        )
    out.print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (see `alinea keys list`).", min=1)],
    as_json: JsonOption = False,
) -> None:
    """Revoke a key: services refuse it within ALINEA_AUTH_CACHE_SECONDS (5 s)."""
    from app.auth.keys import KeyProblem, revoke_key

    database = _database()
    try:
        with database.session() as session:
            row = _row(revoke_key(session, key_id))
    except KeyProblem as exc:
        fail(str(exc))
    finally:
        database.dispose()
    if as_json:
        out.print_json(json.dumps(row))
        return
    out.print(f"key {row['id']} of {escape(row['name'])} revoked", highlight=False)
