"""The ``alinea`` command line: serve the API, look terms up, recognise terms, manage the DB."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from app.settings import Settings

app = typer.Typer(
    name="alinea",
    help="French/English alignment and terminology for UN-style documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
terms_app = typer.Typer(help="Look terms up and find them in running text.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
app.add_typer(terms_app, name="terms")
app.add_typer(db_app, name="db")

out = Console(soft_wrap=False)
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on standard error and a non-zero exit."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def _language(tag: str, option: str) -> str:
    from termbase.schemas import normalize_language_tag

    try:
        return normalize_language_tag(tag)
    except ValueError as exc:
        fail(f"{option}: {exc}", 2)


def _open_index(settings: Settings):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import SQLAlchemyError

    from app.bootstrap import build_index, prepare_database

    try:
        database = prepare_database(settings)
        return build_index(database)
    except SQLAlchemyError as exc:
        fail(
            f"cannot open the database {settings.database_url!r}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}"
        )


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
SrcOption = Annotated[str, typer.Option("--src", help="Language of the input (BCP 47).")]
TgtOption = Annotated[str, typer.Option("--tgt", help="Language of the equivalents (BCP 47).")]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API (migrations applied and the seed termbase loaded on first start)."""
    import uvicorn

    uvicorn.run(
        "app.main:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the migrations to the database named by ALINEA_DATABASE_URL."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import Database, current_revision, upgrade

    settings = Settings()
    try:
        database = Database(settings.database_url)
        upgrade(database.engine, revision)
        out.print(f"database at revision {current_revision(database.engine)}")
    except SQLAlchemyError as exc:
        fail(f"cannot migrate {settings.database_url!r}: {str(exc).splitlines()[0]}")
    except Exception as exc:  # alembic raises its own CommandError for unknown revisions
        fail(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and the latest one."""
    from app.db import Database, current_revision, head_revision

    settings = Settings()
    database = Database(settings.database_url)
    out.print(f"current: {current_revision(database.engine)}  head: {head_revision()}")


def _term_cell(view: dict) -> str:  # type: ignore[type-arg]
    label = view["text"]
    kind = "" if view["type"] in ("full_form", "phrase") else f", {view['type'].replace('_', ' ')}"
    if view["deprecated"]:
        return f"[red]✗ {label} ({view['status']}{kind})[/]"
    if view["status"] != "preferred":
        return f"{label} [dim]({view['status']}{kind})[/]"
    return f"[bold green]{label}[/]" + (f" [dim]({kind[2:]})[/]" if kind else "")


def _print_warnings(rows: list[tuple[str, list[str]]]) -> None:
    for label, warnings in rows:
        for warning in warnings:
            out.print(f"[yellow]![/] {label}: {warning}", highlight=False)


@terms_app.command("lookup")
def terms_lookup(
    text: Annotated[str, typer.Argument(help="The term to look up.")],
    src: SrcOption = "fr",
    tgt: TgtOption = "en",
    match: Annotated[str, typer.Option(help="exact, prefix or fuzzy.")] = "exact",
    limit: Annotated[int, typer.Option(min=1, max=200, help="Most concepts to show.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Look a term up and print its equivalents, preferred first, deprecated flagged."""
    from app.schemas import lookup_item
    from termbase.index import MatchMode
    from termbase.normalize import key_forms

    src, tgt = _language(src, "--src"), _language(tgt, "--tgt")
    try:
        mode = MatchMode(match)
    except ValueError:
        fail(f"--match must be exact, prefix or fuzzy, not {match!r}", 2)
    if not key_forms(text, src):
        fail("the term has no letters or digits to look up", 2)
    index = _open_index(Settings())
    hits, _more = index.lookup(text, src=src, mode=mode, limit=limit)
    items = [lookup_item(h, tgt).model_dump() for h in hits]
    if as_json:
        out.print_json(json.dumps({"query": text, "src": src, "tgt": tgt, "items": items}))
        return
    if not items:
        err.print(f"no {mode.value} match for {text!r} ({src})", highlight=False)
        raise typer.Exit(1)
    table = Table(title=f"{text} ({src} → {tgt}, {mode.value})", show_lines=True)
    table.add_column("concept", justify="right")
    table.add_column(f"matched ({src})")
    table.add_column("score", justify="right")
    table.add_column(f"{tgt} equivalents")
    for item in items:
        table.add_row(
            str(item["concept_id"]),
            _term_cell(item["matched"]),
            f"{item['score']:.2f}",
            "\n".join(_term_cell(e) for e in item["equivalents"]) or "[dim]none[/]",
        )
    out.print(table)
    _print_warnings([(f"concept {i['concept_id']}", i["warnings"]) for i in items])


@terms_app.command("recognize")
def terms_recognize(
    file: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    src: SrcOption = "fr",
    tgt: TgtOption = "en",
    as_json: JsonOption = False,
) -> None:
    """Find every termbase term in a text and print it with its equivalents."""
    from app.schemas import recognized_term

    src, tgt = _language(src, "--src"), _language(tgt, "--tgt")
    text = _read_text(file)
    index = _open_index(Settings())
    spans = index.recognize(text, src=src)
    found = [recognized_term(s, tgt).model_dump() for s in spans]
    if as_json:
        out.print_json(json.dumps({"src": src, "tgt": tgt, "terms": found}))
        return
    table = Table(title=f"{len(found)} terms found ({src} → {tgt})")
    table.add_column("offsets", justify="right")
    table.add_column(f"found ({src})")
    table.add_column(f"{tgt} equivalent")
    warnings: dict[str, list[str]] = {}
    for item in found:
        concept = item["concepts"][0]
        preferred = next((e for e in concept["equivalents"] if not e["deprecated"]), None)
        table.add_row(
            f"{item['start']}-{item['end']}",
            item["text"],
            _term_cell(preferred) if preferred else "[dim]none[/]",
        )
        if concept["warnings"]:
            warnings.setdefault(item["text"], concept["warnings"])
    out.print(table)
    _print_warnings(list(warnings.items()))


def _read_text(file: str) -> str:
    max_bytes = Settings().max_recognize_chars * 4
    try:
        raw = sys.stdin.buffer.read(max_bytes + 1) if file == "-" else _read_file(file, max_bytes)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    if len(raw) > max_bytes:
        fail(f"{file} is over the limit of {max_bytes} bytes")
    if b"\x00" in raw:
        fail(f"{file} looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{file} is not UTF-8 text (byte {exc.start} is invalid)")


def _read_file(path: str, max_bytes: int) -> bytes:
    with Path(path).open("rb") as handle:
        return handle.read(max_bytes + 1)


def main() -> None:
    try:
        app()
    except Exception as exc:  # the last resort: one line, not a traceback (ALINEA_DEBUG=1 for it)
        if os.environ.get("ALINEA_DEBUG"):
            raise
        err.print(
            f"error: {exc.__class__.__name__}: {exc}".splitlines()[0], highlight=False, markup=False
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
