"""``alinea concepts …``: the terminologist's editing commands, on the database of
``ALINEA_DATABASE_URL`` (like ``alinea termbase import``).

They do what the concept endpoints do, through the same service functions: every change to an
existing concept is a compare-and-set on its revision (``--if-revision``, or the revision an
``edit`` read), so a concept someone changed meanwhile is refused, never overwritten.
``edit`` without a file opens the concept in ``$VISUAL``/``$EDITOR`` as the JSON of
``GET /v1/concepts/{id}``, and writes back what was changed.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.settings import Settings

concepts_app = typer.Typer(
    help="Read, create, edit, delete and restore concepts in ALINEA_DATABASE_URL.",
    no_args_is_help=True,
)

out = Console(soft_wrap=False)
err = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Who makes the change, for the history.", show_default="login"),
]
IfRevision = Annotated[
    int | None,
    typer.Option(
        "--if-revision",
        help="The revision the change is based on: refused if the concept is at another one "
        "(required when ALINEA_REQUIRE_IF_MATCH is set).",
    ),
]
OnDuplicate = Annotated[
    str | None,
    typer.Option(
        "--on-duplicate",
        help="A possible duplicate (another concept with the same main term): warn or refuse.",
        show_default="ALINEA_ON_DUPLICATE, warn",
    ),
]
T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _user(user: str | None) -> str:
    if user:
        return user
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "alinea-cli"


def _expected(revision: int | None, settings: Settings, what: str) -> set[int] | None:
    if revision is None:
        if settings.require_if_match:
            fail(f"{what} needs --if-revision N (ALINEA_REQUIRE_IF_MATCH is set)", 2)
        return None
    return {revision}


@contextmanager
def _session(settings: Settings) -> Iterator[Any]:
    """A session on the configured database; termbase errors become one-line messages."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.bootstrap import prepare_database
    from termbase.errors import ConceptChanged, InvalidConcept, PossibleDuplicates, TermbaseError

    try:
        database = prepare_database(settings)
    except SQLAlchemyError as exc:
        fail(
            f"cannot open the database {settings.database_url!r}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}"
        )
    try:
        with database.session() as session:  # commits when the command's block succeeds
            yield session
    except ConceptChanged as exc:
        fail(f"{exc} (--if-revision {exc.revision} to base the change on it)")
    except PossibleDuplicates as exc:
        fail(f"refused: {exc} (--on-duplicate warn writes it all the same)")
    except InvalidConcept as exc:
        errors = "; ".join(_located(e) for e in exc.errors)
        fail(f"invalid: {errors}")
    except TermbaseError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"the database refused the change: {str(exc).splitlines()[0]}")
    finally:
        database.dispose()


def _once_written(session: Any, show: Callable[[], None]) -> None:
    """Show what a command wrote once its session has committed (see ``_session``)."""
    from app.db import after_commit

    after_commit(session, lambda _committed: show())


def _located(error: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _validated(model: Callable[..., T], data: Any, what: str) -> T:
    from pydantic import ValidationError

    try:
        return model(data)
    except ValidationError as exc:
        errors = "; ".join(_located(dict(e)) for e in exc.errors())
        fail(f"invalid {what}: {errors}")


def _read_json(file: str) -> Any:
    try:
        raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        fail(f"{file} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")


def _duplicates(
    concept: Any, session: Any, settings: Settings, on_duplicate: str | None
) -> list[Any]:
    from termbase import service
    from termbase.errors import PossibleDuplicates

    if on_duplicate not in (None, "warn", "refuse"):
        fail(f"--on-duplicate must be warn or refuse, not {on_duplicate!r}", 2)
    found = service.possible_duplicates(concept, session=session)
    if found and (on_duplicate or settings.on_duplicate) == "refuse":
        raise PossibleDuplicates(found)
    return found


def _written(concept: Any, duplicates: list[Any], as_json: bool, verb: str) -> None:
    from termbase import service

    data = service.concept_out(concept).model_dump(mode="json")
    if as_json:
        data["possible_duplicates"] = [d.model_dump(mode="json") for d in duplicates]
        out.print_json(json.dumps(data))
    else:
        out.print(f"concept {concept.id} {verb}: revision {concept.revision}", highlight=False)
    for duplicate in duplicates:
        err.print(
            f"[yellow]possible duplicate:[/] '{escape(duplicate.matches)}' ({duplicate.lang}) is "
            f"the main term of concept {duplicate.concept_id} too ('{escape(duplicate.term)}')",
            highlight=False,
            soft_wrap=True,
        )


def _term_label(term: dict[str, Any]) -> str:
    status = term["status"]
    label = f"{escape(term['text'])} [dim]#{term['id']}[/]"
    if status == "preferred":
        return f"[bold green]{label}[/]"
    if status in ("deprecated", "superseded"):
        return f"[red]✗ {label} ({status})[/]"
    return f"{label} [dim]({status})[/]"


# -- reading --------------------------------------------------------------------------------------


@concepts_app.command("list")
def list_concepts(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Most concepts to show.")] = 50,
    after: Annotated[int, typer.Option(help="Only concepts with a larger id (paging).")] = 0,
    subject_field: Annotated[
        str | None, typer.Option("--subject-field", help="Only this subject field.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List concepts by id, with their terms (preferred first in each language)."""
    from termbase import service

    settings = Settings()
    with _session(settings) as session:
        concepts = service.list_concepts(
            session=session, after_id=after, limit=limit, subject_field=subject_field
        )
        items = [service.concept_out(c).model_dump(mode="json") for c in concepts]
    if as_json:
        out.print_json(json.dumps({"items": items}))
        return
    table = Table(title=f"{len(items)} concepts", show_lines=True)
    table.add_column("id", justify="right")
    table.add_column("rev", justify="right")
    table.add_column("subject field")
    table.add_column("terms")
    for item in items:
        table.add_row(
            str(item["id"]),
            str(item["revision"]),
            escape(item["subject_field"] or ""),
            "\n".join(f"{t['lang']}: {_term_label(t)}" for t in item["terms"]),
        )
    out.print(table)
    if len(items) == limit:
        err.print(f"(more after --after {items[-1]['id']})", highlight=False)


@concepts_app.command("show")
def show_concept(
    concept_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: JsonOption = False,
) -> None:
    """Show one concept: its fields, its revision and its terms with their ids."""
    from termbase import service

    with _session(Settings()) as session:
        data = service.concept_out(service.get_concept(concept_id, session=session))
    if as_json:
        out.print_json(data.model_dump_json())
        return
    out.print(
        f"[bold]concept {data.id}[/] revision {data.revision}, changed "
        f"{data.updated_at:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    for name in ("subject_field", "definition", "note", "source"):
        value = getattr(data, name)
        if value:
            out.print(f"{name.replace('_', ' ')}: {escape(value)}", highlight=False, soft_wrap=True)
    table = Table()
    for column in ("id", "lang", "term", "status", "type", "notes"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for term in data.terms:
        extra = "; ".join(
            f"{name}: {value}"
            for name in ("part_of_speech", "context", "source", "note")
            if (value := getattr(term, name))
        )
        table.add_row(
            str(term.id),
            term.lang,
            escape(term.text),
            term.status.value,
            term.type.value,
            escape(extra),
        )
    out.print(table)


@concepts_app.command("history")
def concept_history(
    concept_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: JsonOption = False,
) -> None:
    """Every change to a concept, oldest first: revision, when, who, and what it changed."""
    from app.cli import change_lines
    from termbase import service

    with _session(Settings()) as session:
        history = service.concept_history(concept_id, session=session)
    if as_json:
        out.print_json(json.dumps({"items": [h.model_dump(mode="json") for h in history]}))
        return
    table = Table(title=f"concept {concept_id}", show_lines=True)
    for column in ("rev", "action", "when (UTC)", "by", "changes"):
        table.add_column(column, justify="right" if column == "rev" else "left")
    for item in history:
        if item.after and "transaction" in item.after:
            kept = item.after["transaction"]
            action = f"{kept.get('type')} (from a file)"
            changes = escape(" ".join(str(kept.get(k) or "") for k in ("level", "lang", "term")))
        else:
            action = item.action + (
                f" of revision {item.restored_from}" if item.restored_from else ""
            )
            changes = "\n".join(escape(line) for line in change_lines(item.changes))
        table.add_row(
            str(item.revision or ""),
            action,
            f"{item.changed_at:%Y-%m-%d %H:%M:%S}",
            escape(item.changed_by),
            changes,
        )
    out.print(table)


# -- writing --------------------------------------------------------------------------------------


def _parse_term(option: str) -> dict[str, Any]:
    lang, sep, rest = option.partition(":")
    if not sep or not rest:
        fail(f"--term takes LANG:TEXT or LANG:TEXT:STATUS, not {option!r}", 2)
    text, _, status = rest.rpartition(":") if rest.count(":") else (rest, "", "")
    statuses = ("preferred", "admitted", "deprecated", "superseded")
    if status and status not in statuses:
        text, status = rest, ""
    term: dict[str, Any] = {"lang": lang, "text": text}
    if status:
        term["status"] = status
    return term


@concepts_app.command("create")
def create_concept(
    file: Annotated[
        str | None,
        typer.Argument(help="The concept as JSON (the body of POST /v1/concepts); - for stdin."),
    ] = None,
    term: Annotated[
        list[str] | None,
        typer.Option(
            "--term", help="A term as LANG:TEXT or LANG:TEXT:STATUS (repeatable), without FILE."
        ),
    ] = None,
    subject_field: Annotated[str | None, typer.Option("--subject-field")] = None,
    definition: Annotated[str | None, typer.Option("--definition")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    source: Annotated[str | None, typer.Option("--source")] = None,
    on_duplicate: OnDuplicate = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a concept from a JSON file, or from --term options and fields."""
    from termbase import service
    from termbase.schemas import ConceptIn

    if file is not None:
        if term:
            fail("give the concept as FILE or as --term options, not both", 2)
        data = _read_json(file)
    else:
        if not term:
            fail("give the concept as FILE (JSON) or as --term LANG:TEXT options", 2)
        data = {
            "subject_field": subject_field,
            "definition": definition,
            "note": note,
            "source": source,
            "terms": [_parse_term(t) for t in term],
        }
    concept_in = _validated(ConceptIn.model_validate, data, "concept")
    settings = Settings()
    with _session(settings) as session:
        concept = service.create_concept(concept_in, session=session, user=_user(user))
        duplicates = _duplicates(concept, session, settings, on_duplicate)
        _once_written(session, lambda: _written(concept, duplicates, as_json, "created"))


def _edit_in_editor(current: dict[str, Any]) -> tuple[Any, Path] | None:
    """The concept after the user edited it in their editor (None: left as it was)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        fail("no editor: set VISUAL or EDITOR, or give the change as FILE (JSON)", 2)
    original = json.dumps(current, indent=2, ensure_ascii=False) + "\n"
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept if the edit fails)
        "w", suffix=f"-concept-{current['id']}.json", delete=False, encoding="utf-8"
    )
    with handle:
        handle.write(original)
    path = Path(handle.name)
    result = subprocess.run([*shlex.split(editor), str(path)], check=False)
    if result.returncode != 0:
        fail(f"the editor exited with status {result.returncode}; nothing was changed ({path})")
    edited = path.read_text(encoding="utf-8")
    if edited == original:
        path.unlink(missing_ok=True)
        return None
    try:
        return json.loads(edited), path
    except json.JSONDecodeError as exc:
        fail(
            f"the edited concept is not JSON ({exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}); nothing was changed, your edit is in {path}"
        )


@concepts_app.command("edit")
def edit_concept(
    concept_id: Annotated[int, typer.Argument(metavar="ID")],
    file: Annotated[
        str | None,
        typer.Argument(
            help="The change as JSON (the body of PATCH /v1/concepts/ID); - for stdin. Without "
            "it (and without --set), the concept opens in $VISUAL or $EDITOR."
        ),
    ] = None,
    set_field: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="FIELD=VALUE for subject_field, definition, note or source (repeatable; an "
            "empty VALUE clears it).",
        ),
    ] = None,
    if_revision: IfRevision = None,
    on_duplicate: OnDuplicate = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a concept: in your editor (read, edit, write back), from a JSON file, or --set.

    The change is based on the revision read (or --if-revision, or the file's `revision`): if
    someone changed the concept meanwhile, it is refused and nothing is written.
    """
    from termbase import service
    from termbase.schemas import ConceptPatch

    settings = Settings()
    kept: Path | None = None
    if file is not None and set_field:
        fail("give the change as FILE or as --set options, not both", 2)
    if file is not None:
        data = _read_json(file)
    elif set_field:
        data = {}
        for option in set_field:
            name, sep, value = option.partition("=")
            if not sep or name not in ("subject_field", "definition", "note", "source"):
                fail(f"--set takes subject_field, definition, note or source=VALUE: {option!r}", 2)
            data[name] = value or None
    else:
        with _session(settings) as session:
            current = service.concept_out(service.get_concept(concept_id, session=session))
        read = current.model_dump(mode="json")
        edited = _edit_in_editor(read)
        if edited is None:
            out.print(f"concept {concept_id} left as it was (no change)", highlight=False)
            return
        data, kept = edited
        if isinstance(data, dict):
            data.setdefault("revision", read["revision"])
            if if_revision is None:
                if_revision = read["revision"]
    if isinstance(data, dict) and if_revision is None and data.get("revision") is not None:
        if_revision = int(data["revision"])
    try:
        patch = _validated(ConceptPatch.model_validate, data, "change")
        expected = _expected(if_revision, settings, "edit")
        with _session(settings) as session:
            concept = service.update_concept(
                concept_id, patch, session=session, user=_user(user), expected=expected
            )
            duplicates = _duplicates(concept, session, settings, on_duplicate)
            _once_written(session, lambda: _written(concept, duplicates, as_json, "saved"))
    except typer.Exit:
        if kept is not None:
            err.print(f"your edit is kept in {kept}", highlight=False, soft_wrap=True)
        raise
    if kept is not None:
        kept.unlink(missing_ok=True)


@concepts_app.command("delete")
def delete_concept(
    concept_id: Annotated[int, typer.Argument(metavar="ID")],
    if_revision: IfRevision = None,
    user: UserOption = None,
) -> None:
    """Delete a concept (its history stays: `restore` brings it back under its id)."""
    from termbase import service

    settings = Settings()
    expected = _expected(if_revision, settings, "delete")
    with _session(settings) as session:
        service.delete_concept(concept_id, session=session, user=_user(user), expected=expected)
    out.print(f"concept {concept_id} deleted", highlight=False)


@concepts_app.command("restore")
def restore_revision(
    concept_id: Annotated[int, typer.Argument(metavar="ID")],
    revision: Annotated[int, typer.Argument(metavar="REVISION", help="From `history`.")],
    if_revision: IfRevision = None,
    on_duplicate: OnDuplicate = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a concept what it was at REVISION again, as a new revision (a deleted concept comes
    back under its id)."""
    from sqlalchemy import select

    from termbase import service
    from termbase.models import Concept

    settings = Settings()
    with _session(settings) as session:
        exists = session.execute(select(Concept.id).where(Concept.id == concept_id)).scalar()
        expected = (
            _expected(if_revision, settings, "restore")
            if exists is not None or if_revision is not None
            else None
        )
        concept = service.restore_revision(
            concept_id, revision, session=session, user=_user(user), expected=expected
        )
        duplicates = _duplicates(concept, session, settings, on_duplicate)
        _once_written(
            session,
            lambda: _written(concept, duplicates, as_json, f"restored to revision {revision}"),
        )


# -- one term -------------------------------------------------------------------------------------


def _term_fields(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


@concepts_app.command("add-term")
def add_term(
    concept_id: Annotated[int, typer.Argument(metavar="ID")],
    lang: Annotated[str, typer.Argument(metavar="LANG", help="BCP 47 tag, e.g. fr, en, fr-CA.")],
    text: Annotated[str, typer.Argument(metavar="TEXT")],
    status: Annotated[str | None, typer.Option(help="preferred, admitted (default) …")] = None,
    term_type: Annotated[str | None, typer.Option("--type", help="full_form, acronym …")] = None,
    part_of_speech: Annotated[str | None, typer.Option("--part-of-speech")] = None,
    context: Annotated[str | None, typer.Option()] = None,
    source: Annotated[str | None, typer.Option()] = None,
    note: Annotated[str | None, typer.Option()] = None,
    if_revision: IfRevision = None,
    on_duplicate: OnDuplicate = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add one term to a concept."""
    from termbase import service
    from termbase.schemas import TermIn

    data = _term_fields(
        lang=lang, text=text, status=status, type=term_type, part_of_speech=part_of_speech,
        context=context, source=source, note=note,
    )  # fmt: skip
    term_in = _validated(TermIn.model_validate, data, "term")
    settings = Settings()
    expected = _expected(if_revision, settings, "add-term")
    with _session(settings) as session:
        concept, term = service.add_term(
            concept_id, term_in, session=session, user=_user(user), expected=expected
        )
        duplicates = _duplicates(concept, session, settings, on_duplicate)
        _once_written(
            session, lambda: _written(concept, duplicates, as_json, f"has term {term.id}")
        )


@concepts_app.command("edit-term")
def edit_term(
    concept_id: Annotated[int, typer.Argument(metavar="ID")],
    term_id: Annotated[int, typer.Argument(metavar="TERM_ID", help="From `show`.")],
    text: Annotated[str | None, typer.Option()] = None,
    lang: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option()] = None,
    term_type: Annotated[str | None, typer.Option("--type")] = None,
    part_of_speech: Annotated[str | None, typer.Option("--part-of-speech")] = None,
    context: Annotated[str | None, typer.Option(help="An empty value clears it.")] = None,
    source: Annotated[str | None, typer.Option(help="An empty value clears it.")] = None,
    note: Annotated[str | None, typer.Option(help="An empty value clears it.")] = None,
    if_revision: IfRevision = None,
    on_duplicate: OnDuplicate = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change the fields of one term that the options give."""
    from termbase import service
    from termbase.schemas import TermPatch

    data = _term_fields(
        text=text, lang=lang, status=status, type=term_type, part_of_speech=part_of_speech,
        context=context, source=source, note=note,
    )  # fmt: skip
    for name in ("part_of_speech", "context", "source", "note"):
        if data.get(name) == "":
            data[name] = None
    if not data:
        fail("nothing to change: give --text, --status, --note …", 2)
    patch = _validated(TermPatch.model_validate, data, "term change")
    settings = Settings()
    expected = _expected(if_revision, settings, "edit-term")
    with _session(settings) as session:
        concept, _term = service.update_term(
            concept_id, term_id, patch, session=session, user=_user(user), expected=expected
        )
        duplicates = _duplicates(concept, session, settings, on_duplicate)
        _once_written(session, lambda: _written(concept, duplicates, as_json, "saved"))


@concepts_app.command("remove-term")
def remove_term(
    concept_id: Annotated[int, typer.Argument(metavar="ID")],
    term_id: Annotated[int, typer.Argument(metavar="TERM_ID", help="From `show`.")],
    if_revision: IfRevision = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove one term from a concept (not its last: delete the concept instead)."""
    from termbase import service

    settings = Settings()
    expected = _expected(if_revision, settings, "remove-term")
    with _session(settings) as session:
        concept = service.delete_term(
            concept_id, term_id, session=session, user=_user(user), expected=expected
        )
        _once_written(session, lambda: _written(concept, [], as_json, f"lost term {term_id}"))
