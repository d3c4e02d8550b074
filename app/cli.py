"""The ``alinea`` command line: serve the API, look terms up, recognise terms, align texts,
evaluate the aligner, rebuild its lexicon, manage the DB."""

from __future__ import annotations

import codecs
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.align_formats import CHOICES as ALIGN_FORMATS
from app.auth.cli import keys_app
from app.collections_cli import candidates_app, collections_app
from app.concepts_cli import concepts_app
from app.formats import choices_help, described, or_list
from app.jobs.cli import jobs_app, segments_app, worker
from app.qa_cli import register as register_qa
from app.settings import Settings
from termbase.exchange import formats as exchange

if TYPE_CHECKING:
    from alignment.align import AlignOptions
    from alignment.evaluate import Report, Score

app = typer.Typer(
    name="alinea",
    help="French/English alignment and terminology for UN-style documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
terms_app = typer.Typer(help="Look terms up and find them in running text.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
lexicon_app = typer.Typer(help="The aligner's subword lexicon.", no_args_is_help=True)
termbase_app = typer.Typer(
    help="Exchange the termbase with other terminology tools: TBX, TBX v2, CSV, TSV.",
    no_args_is_help=True,
)
app.add_typer(terms_app, name="terms")
app.add_typer(db_app, name="db")
app.add_typer(lexicon_app, name="lexicon")
app.add_typer(termbase_app, name="termbase")
app.add_typer(concepts_app, name="concepts")
app.add_typer(collections_app, name="collections")
app.add_typer(candidates_app, name="candidates")
app.add_typer(jobs_app, name="jobs")
app.add_typer(segments_app, name="segments")
app.add_typer(keys_app, name="keys")
register_qa(app, terms_app)  # alinea qa, alinea terms extract (app/qa_cli.py)

out = Console(soft_wrap=False)
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on standard error and a non-zero exit."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def write_output(data: bytes, output: Path | None) -> bool:
    """``data`` to the file ``output`` (a one-line error if it cannot be written), or to
    standard output when ``output`` is None; whether it went to a file."""
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return False
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    return True


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
CollectionOption = Annotated[
    list[str] | None,
    typer.Option(
        "--collection",
        help="Only this collection (repeatable; see `alinea collections list`). Default: all "
        "but the candidates.",
    ),
]


def _collections(index, names: list[str] | None) -> list[str] | None:  # type: ignore[no-untyped-def]
    if not names:
        return None
    known = {c.name for c in index.collections}
    unknown = [n for n in names if n not in known]
    if unknown:
        fail(f"there is no collection {unknown[0]!r} (see `alinea collections list`)", 2)
    return names


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API (migrations applied and the seed termbase loaded on first start)."""
    from pydantic import ValidationError

    from app.server import is_loopback, run

    try:
        settings = Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        fail(f"invalid setting ALINEA_{str(error['loc'][0]).upper()}: {error['msg']}", 2)
    if settings.auth == "off" and not is_loopback(host):
        fail(
            f"ALINEA_AUTH=off lets anyone who can connect change anything: it is only allowed on "
            f"a loopback address (127.0.0.1, ::1), not {host}; make API keys instead "
            "(`alinea keys create --role admin --name NAME`)",
            2,
        )
    run(host, port, workers, log_level)


app.command("worker")(worker)


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
    collection: CollectionOption = None,
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
    hits, _more = index.lookup(
        text, src=src, mode=mode, limit=limit, collections=_collections(index, collection)
    )
    items = [lookup_item(h, tgt).model_dump() for h in hits]
    if as_json:
        out.print_json(json.dumps({"query": text, "src": src, "tgt": tgt, "items": items}))
        return
    if not items:
        err.print(f"no {mode.value} match for {text!r} ({src})", highlight=False)
        raise typer.Exit(1)
    table = Table(title=f"{text} ({src} → {tgt}, {mode.value})", show_lines=True)
    table.add_column("concept", justify="right")
    table.add_column("collection")
    table.add_column(f"matched ({src})")
    table.add_column("score", justify="right")
    table.add_column(f"{tgt} equivalents")
    for item in items:
        table.add_row(
            str(item["concept_id"]),
            item["collection"],
            _term_cell(item["matched"]),
            f"{item['score']:.2f}",
            "\n".join(_term_cell(e) for e in item["equivalents"]) or "[dim]none[/]",
        )
    out.print(table)
    _print_warnings([(f"concept {i['concept_id']}", i["warnings"]) for i in items])


@terms_app.command("recognize")
def terms_recognize(
    file: Annotated[
        str,
        typer.Argument(help="A text file (UTF-8, or UTF-16 with a BOM), or - for standard input."),
    ],
    src: SrcOption = "fr",
    tgt: TgtOption = "en",
    collection: CollectionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find every termbase term in a text and print it with its equivalents."""
    from app.schemas import recognized_terms

    src, tgt = _language(src, "--src"), _language(tgt, "--tgt")
    text = _read_text(file)
    index = _open_index(Settings())
    spans = index.recognize(text, src=src, collections=_collections(index, collection))
    found = [term.model_dump() for term in recognized_terms(spans, tgt)]
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


# -- alignment -----------------------------------------------------------------------------------


@app.command("align")
def align_command(
    fr_file: Annotated[
        str,
        typer.Argument(
            metavar="FR_FILE",
            help="The French translation: text (UTF-8, or UTF-16 with a BOM) or .docx.",
        ),
    ],
    en_file: Annotated[
        str,
        typer.Argument(
            metavar="EN_FILE",
            help="The English original: text (UTF-8, or UTF-16 with a BOM) or .docx.",
        ),
    ],
    presegmented: Annotated[
        bool,
        typer.Option(
            "--presegmented",
            help="The files hold one sentence a line, an empty line between paragraphs.",
        ),
    ] = False,
    output_format: Annotated[
        str, typer.Option("--format", help=choices_help(ALIGN_FORMATS))
    ] = ALIGN_FORMATS[0],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
    source_lang: Annotated[
        str,
        typer.Option(
            "--source-lang", help="TMX and XLIFF: the source language, en (the original) or fr."
        ),
    ] = "en",
    one_sided: Annotated[
        bool,
        typer.Option("--one-sided", help="TMX: also write omissions and additions as units."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Align even if the two files look swapped or in the same language."
        ),
    ] = False,
) -> None:
    """Align a French translation with its English original and print the alignment.

    Raw text is cleaned up and split into sentences; --presegmented takes each line as one (a
    .docx is always raw text, a paragraph a line). Files may be as large as
    ALINEA_MAX_ALIGN_FILE_BYTES (64 MiB) and hold up to ALINEA_MAX_ALIGN_SENTENCES sentences.

    Warnings about the result, and how many beads to review, go to standard error.
    """
    from alignment.align import AlignmentError, align
    from app.align_formats import SourceLanguage, render

    if output_format not in ALIGN_FORMATS:
        fail(f"--format must be one of {', '.join(ALIGN_FORMATS)}, not {output_format!r}", 2)
    if source_lang not in [s.value for s in SourceLanguage]:
        fail(f"--source-lang must be en or fr, not {source_lang!r}", 2)
    settings = Settings()
    fr_text, en_text, options = read_pair(
        fr_file, en_file, settings, presegmented=presegmented, check_languages=not force
    )
    try:
        alignment = align(fr_text, en_text, options=options)
    except AlignmentError as exc:
        hint = (
            " (--force aligns them all the same)"
            if "swapped" in str(exc) or "both sides" in str(exc)
            else ""
        )
        fail(f"{exc}{hint}")
    for warning in alignment.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    data = render(alignment, output_format, indent=2, source=source_lang, one_sided=one_sided)
    if not write_output(data, output):
        return
    out.print(
        f"{len(alignment.beads)} beads ({len(alignment.fr.sentences)} French and "
        f"{len(alignment.en.sentences)} English sentences) written to {escape(str(output))}",
        highlight=False,
    )


def read_pair(
    fr_file: str, en_file: str, settings: Settings, *, presegmented: bool, check_languages: bool
) -> tuple[str, str, AlignOptions]:
    """The two files to align, decoded (a one-line error for what is too large or not text),
    and the aligner's options for them (a .docx is never presegmented)."""
    from alignment.align import AlignOptions
    from app.documents import is_docx

    fr_text = _read_side(fr_file, settings.max_align_file_bytes)
    en_text = _read_side(en_file, settings.max_align_file_bytes)
    options = AlignOptions(
        presegmented=presegmented and not (is_docx(fr_file) or is_docx(en_file)),
        max_sentences=settings.max_align_sentences,
        check_languages=check_languages,
    )
    return fr_text, en_text, options


def _read_side(path: str, max_bytes: int) -> str:
    """A file to align (text, or a .docx's paragraphs), decoded; a one-line error for what is
    too large or not text."""
    from app.documents import DocumentError, decode_text, docx_text, is_docx

    # UTF-16 takes at most twice the bytes of UTF-8 (plus its BOM); a .docx is compressed XML,
    # read within its own budgets: read no more than that.
    most = 2 * max_bytes + len(codecs.BOM_UTF16)
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(most + 1)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    too_large = (
        f"{path} is over the limit of {max_bytes:,} bytes a side (ALINEA_MAX_ALIGN_FILE_BYTES)"
    )
    if len(raw) > most:
        fail(too_large)
    try:
        if is_docx(path):
            text, _ = docx_text(
                raw, path, max_text_bytes=max_bytes, setting="ALINEA_MAX_ALIGN_FILE_BYTES"
            )
        else:
            text = decode_text(raw, path)
    except DocumentError as exc:
        fail(str(exc))
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        fail(too_large)
    return text


@app.command("eval")
def eval_command(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="NAME.fr and NAME.en (one sentence a line) with NAME.gold beads, per document.",
        ),
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="OUT_DIR", help="Also write each alignment to OUT_DIR/NAME.align."
        ),
    ] = None,
    worst: Annotated[
        int, typer.Option(min=0, help="How many of the worst documents to list.")
    ] = 10,
    as_json: JsonOption = False,
) -> None:
    """Align every document of an align-dev folder and score the beads against the gold ones.

    Prints strict and lax precision, recall and F1: pooled, by bead type, worst documents;
    the expected calibration error of the confidences; how well the review flags find the
    gold 1-0 and 0-1 beads.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from alignment.align import AlignmentError, align
    from alignment.evaluate import BeadPair, evaluate_folder, format_report
    from alignment.types import Alignment

    if not folder.is_dir():
        fail(f"{folder} is not a folder")
    # The order evaluate_folder takes the documents in: to name any the aligner refuses.
    names = [path.name.removesuffix(".gold") for path in sorted(folder.glob("*.gold"))]
    if not names:
        fail(f"{folder} has no NAME.gold files to evaluate on")
    refused: list[str] = []
    calls = 0

    def aligner(fr_text: str, en_text: str) -> list[BeadPair] | Alignment:
        nonlocal calls
        name = names[calls] if calls < len(names) else f"document {calls + 1}"
        calls += 1
        try:
            return align(fr_text, en_text, presegmented=True)
        except AlignmentError as exc:
            refused.append(f"{name}: {exc}")
            return []  # scored as finding nothing; the report lists it among the problems

    with Progress(
        TextColumn("aligning"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    ) as progress:
        task = progress.add_task("aligning", total=len(names))

        def advance(completed: int, total: int) -> None:
            progress.update(task, completed=completed, total=total)

        try:
            report = evaluate_folder(folder, aligner, out=out_dir, progress=advance)
        except UnicodeDecodeError as exc:
            fail(f"a file of {folder} is not UTF-8 text ({exc.reason} at byte {exc.start})")
        except (ValueError, OSError) as exc:
            fail(str(exc))
    for problem in refused:
        err.print(
            f"[yellow]warning:[/] cannot align {escape(problem)}", highlight=False, soft_wrap=True
        )
    if as_json:
        out.print_json(json.dumps(_report_dict(report)))
        return
    typer.echo(format_report(report, worst=worst), nl=False)


def _report_dict(report: Report) -> dict[str, Any]:
    def score(value: Score) -> dict[str, Any]:
        return dataclasses.asdict(value)

    return {
        "folder": str(report.folder),
        "score": score(report.score),
        "by_type": {bead_type: score(typed) for bead_type, typed in report.by_type.items()},
        "documents": [
            {
                "name": document.name,
                "n_fr": document.n_fr,
                "n_en": document.n_en,
                "score": score(document.score),
                "seconds": round(document.seconds, 4),
                "problem": document.problem,
            }
            for document in report.documents
        ],
        "problems": report.problems,
        "calibration_error": report.calibration_error,
        "review_flags": {"precision": report.review_precision, "recall": report.review_recall},
        "seconds": {
            "aligner": round(report.aligner_seconds, 3),
            "overhead": round(report.overhead_seconds, 3),
            "total": round(report.total_seconds, 3),
        },
    }


@lexicon_app.command("build")
def lexicon_build(
    corpus_dir: Annotated[
        Path,
        typer.Option(
            "--corpus-dir",
            metavar="DIR",
            help="The UN Parallel Corpus v1.0 devset: UNv1.0.devset.fr and .en.",
        ),
    ] = Path("../shared/data/unpc-v1.0-devset"),
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Where to write the lexicon; the default replaces the shipped one.",
            show_default="the alignment package's data folder",
        ),
    ] = None,
    vocab_size: Annotated[
        int | None,
        typer.Option(min=100, help="Subword vocabulary size.", show_default="the library's"),
    ] = None,
    iterations: Annotated[
        int | None,
        typer.Option(min=1, max=100, help="IBM Model 1 iterations.", show_default="the library's"),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, help="Random seed of the subword model.", show_default="the library's"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Learn the aligner's subword model and translation table from the UN devset.

    The same corpus and settings give byte-identical files.
    """
    import alignment
    from alignment import lexicon_build as lexicon

    files = [corpus_dir / f"UNv1.0.devset.{lang}" for lang in ("fr", "en")]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        fail(
            f"{' and '.join(missing)} not found: give --corpus-dir, the folder of the UN Parallel "
            "Corpus v1.0 devset"
        )
    target = out_dir or Path(alignment.__file__).resolve().parent / "data"
    with err.status("building the lexicon (about 10 s with the defaults)"):
        try:
            manifest = lexicon.build_lexicon(
                files[0],
                files[1],
                target,
                vocab_size=lexicon.DEFAULT_VOCAB_SIZE if vocab_size is None else vocab_size,
                iterations=lexicon.DEFAULT_ITERATIONS if iterations is None else iterations,
                seed=lexicon.DEFAULT_SEED if seed is None else seed,
            )
        except (ValueError, OSError) as exc:
            fail(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)
    if as_json:
        out.print_json(json.dumps(manifest))
        return
    settings = manifest["settings"]
    # Plain lines rather than a table: a hash must never be cut to the terminal's width.
    out.print(
        f"lexicon written to {escape(str(target))}: {manifest['corpus']['pairs']} sentence pairs, "
        f"vocabulary {settings['vocab_size']}, iterations {settings['ibm1_iterations']}, "
        f"seed {settings['seed']}",
        highlight=False,
        soft_wrap=True,
    )
    for part in ("model", "table"):
        entry = manifest[part]
        out.print(
            f"  {entry['file']:<22} sha256 {entry['sha256']}  {entry['bytes']:>10,} bytes",
            highlight=False,
            soft_wrap=True,
        )


# -- termbase exchange ---------------------------------------------------------------------------

# Imports of files at least this large show a progress bar (on a terminal).
PROGRESS_FROM_BYTES = 1024 * 1024


def _open_database(settings: Settings):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import SQLAlchemyError

    from app.bootstrap import prepare_database

    try:
        return prepare_database(settings)
    except SQLAlchemyError as exc:
        fail(
            f"cannot open the database {settings.database_url!r}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}"
        )


@termbase_app.command("export")
def termbase_export(
    export_format: Annotated[
        str,
        typer.Option(
            "--format", help=described({n: f.description for n, f in exchange.WRITABLE.items()})
        ),
    ] = next(iter(exchange.WRITABLE)),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
    subject_field: Annotated[
        list[str] | None,
        typer.Option("--subject-field", help="Only concepts of this subject field (repeatable)."),
    ] = None,
    lang: Annotated[
        list[str] | None,
        typer.Option("--lang", help="Only terms in this language, BCP 47 (repeatable)."),
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="Only terms with this status (repeatable)."),
    ] = None,
    changed_since: Annotated[
        str | None,
        typer.Option("--changed-since", help="Only concepts changed since (ISO 8601 date/time)."),
    ] = None,
    collection: Annotated[
        list[str] | None,
        typer.Option("--collection", help="Only concepts of this collection (repeatable)."),
    ] = None,
) -> None:
    """Export the termbase of ALINEA_DATABASE_URL as TBX, TBX v2, CSV or TSV."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import SQLAlchemyError

    from termbase.exchange.export import export_termbase
    from termbase.exchange.selection import ExportFilter, count_concepts
    from termbase.models import TermStatus

    if export_format not in exchange.WRITABLE:
        fail(f"--format must be {or_list(exchange.WRITABLE)}, not {export_format!r}", 2)
    chosen = export_format
    statuses = []
    for value in status or ():
        try:
            statuses.append(TermStatus(value).value)
        except ValueError:
            fail(
                f"--status must be preferred, admitted, deprecated or superseded, not {value!r}", 2
            )
    since = None
    if changed_since:
        try:
            since = datetime.fromisoformat(changed_since)
        except ValueError:
            fail(f"--changed-since must be an ISO 8601 date or time, not {changed_since!r}", 2)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
    selection = ExportFilter(
        subject_fields=tuple(subject_field or ()),
        languages=tuple(_language(tag, "--lang") for tag in lang or ()),
        statuses=tuple(statuses),
        changed_since=since,
        collections=tuple(collection or ()),
    )
    database = _open_database(Settings())
    try:
        if output is None:
            sys.stdout.flush()
            for piece in export_termbase(database.sessionmaker, chosen, selection):
                sys.stdout.buffer.write(piece)
            sys.stdout.buffer.flush()
            return
        written = _export_to_file(database, chosen, selection, output, count_concepts)
    except SQLAlchemyError as exc:
        fail(f"the export failed: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    out.print(f"{written:,} concepts written to {escape(str(output))}", highlight=False)


def _export_to_file(database, chosen, selection, output: Path, count_concepts) -> int:  # type: ignore[no-untyped-def]
    """Write the export next to ``output`` and move it into place once complete."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from termbase.exchange.export import export_termbase

    with database.sessionmaker() as session:
        total = count_concepts(session, selection)
    partial = output.with_name(f".{output.name}.partial")
    done = 0
    with Progress(
        TextColumn("exporting"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=total < 10_000,
    ) as progress:
        task = progress.add_task("export", total=total)

        def advance(count: int) -> None:
            nonlocal done
            done += count
            progress.update(task, completed=min(done, total))

        try:
            with partial.open("wb") as handle:
                for piece in export_termbase(
                    database.sessionmaker, chosen, selection, on_chunk=advance
                ):
                    handle.write(piece)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    return total


@termbase_app.command("import")
def termbase_import(
    file: Annotated[
        str, typer.Argument(help="A TBX (v3 or v2), CSV, TSV or SKOS file; - for stdin.")
    ],
    import_format: Annotated[
        str, typer.Option("--format", help=choices_help((exchange.AUTO, *exchange.READABLE)))
    ] = exchange.AUTO,
    collection: Annotated[
        str | None,
        typer.Option(
            "--collection",
            help="The collection new concepts go to (created as a vocabulary if missing).",
            show_default="the file's, else the team's; SKOS: one named after its scheme",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count everything, write nothing.")
    ] = False,
    merge: Annotated[
        str,
        typer.Option(
            "--merge",
            help="What an incoming concept matches: id (its Alinea id, alinea-12), "
            "source (the same source, e.g. a SKOS concept's URI, in the import's collection), "
            "term:LANG (one of its terms in LANG) or none.",
        ),
    ] = "id",
    mode: Annotated[
        str,
        typer.Option("--mode", help="What happens to a match: replace, add or skip."),
    ] = "replace",
    on_conflict: Annotated[
        str,
        typer.Option(
            "--on-conflict",
            help="A concept changed here since the file was exported: keep (list it, leave it "
            "alone) or overwrite.",
        ),
    ] = "keep",
    on_duplicate: Annotated[
        str | None,
        typer.Option(
            "--on-duplicate",
            help="A concept written with the main term of another: warn or refuse (an error).",
            show_default="ALINEA_ON_DUPLICATE, warn",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", help="Who imports, for the history.", show_default="login name"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import a termbase file into ALINEA_DATABASE_URL: all of it, or nothing.

    Prints what was created, updated, left unchanged or skipped, what changed in each concept
    (before → after), the conflicts left alone and the possible duplicates; an import with errors
    is refused (each error with its line and column) and exits with status 1.
    """
    import getpass

    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from app.bootstrap import import_collector
    from app.imports import import_file
    from termbase.exchange.importer import (
        ImportOptions,
        MergePolicy,
        OnConflict,
        OnDuplicate,
    )

    names = (exchange.AUTO, *exchange.READABLE)
    if import_format not in names:
        fail(f"--format must be {or_list(names)}, not {import_format!r}", 2)
    chosen = import_format
    if collection is not None:
        from termbase.collections import check_name
        from termbase.errors import InvalidCollection

        try:
            collection = check_name(collection)
        except InvalidCollection as exc:
            fail(str(exc), 2)
    if on_conflict not in set(OnConflict):
        fail(f"--on-conflict must be keep or overwrite, not {on_conflict!r}", 2)
    if on_duplicate is not None and on_duplicate not in set(OnDuplicate):
        fail(f"--on-duplicate must be warn or refuse, not {on_duplicate!r}", 2)
    try:
        policy = MergePolicy.parse(merge, mode)
    except ValueError as exc:
        fail(str(exc), 2)
    settings = Settings()
    size = None
    if file == "-":
        handle = sys.stdin.buffer
    else:
        try:
            handle = Path(file).open("rb")  # noqa: SIM115 (closed below)
            size = Path(file).stat().st_size
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror or exc}")
        if size > settings.max_import_bytes:
            handle.close()
            fail(
                f"{file} is {size:,} bytes, over the limit of {settings.max_import_bytes:,} "
                "(ALINEA_MAX_IMPORT_BYTES); nothing was imported"
            )
    try:
        who = user or getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        who = "alinea-cli"
    database = _open_database(settings)
    with Progress(
        TextColumn("importing"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=size is None or size < PROGRESS_FROM_BYTES,
    ) as progress:
        task = progress.add_task("import", total=size)
        options = ImportOptions(
            format=chosen,
            policy=policy,
            dry_run=dry_run,
            user=who,
            max_bytes=settings.max_import_bytes,
            progress=lambda done: progress.update(task, completed=done),
            on_conflict=on_conflict,
            on_duplicate=on_duplicate or settings.on_duplicate,
            collection=collection,
        )
        try:
            with import_collector() as collect:  # a process of its own: see import_collector
                options.after_chunk = collect
                report = import_file(database, handle, options)
        finally:
            if handle is not sys.stdin.buffer:
                handle.close()
    if as_json:
        out.print_json(report.model_dump_json())
    else:
        _print_import_report(report)
    if not report.accepted:
        more = len(report.errors) + report.errors_not_shown - 1
        fail(
            f"import refused, nothing was written: {report.first_error()}"
            + (f" (and {more} more errors)" if more > 0 else "")
        )


def _print_import_report(report) -> None:  # type: ignore[no-untyped-def]
    kind = f"TBX v{report.version}" if report.version else (report.format or "").upper()
    if report.dialect:
        kind += f" ({report.dialect})"
    verb = "would be" if report.dry_run or not report.accepted else "were"
    table = Table(title=f"{kind}, merge {report.merge}, mode {report.mode}")
    table.add_column("")
    for column in ("created", "updated", "unchanged", "skipped", "deleted", "conflicts"):
        table.add_column(column, justify="right")
    concepts, terms = report.concepts, report.terms
    table.add_row(
        "concepts",
        *(str(getattr(concepts, n)) for n in ("created", "updated", "unchanged", "skipped")),
        "",
        str(concepts.conflicts),
    )
    table.add_row(
        "terms",
        *(
            str(getattr(terms, n))
            for n in ("created", "updated", "unchanged", "skipped", "deleted")
        ),
        "",
    )
    out.print(table)
    _print_concept_changes(report)
    out.print(
        f"history entries kept from the file: {report.transactions} "
        f"({verb} written; {report.bytes_read:,} bytes read)",
        highlight=False,
    )
    if report.dry_run and report.accepted:
        out.print("dry run: nothing was written", highlight=False)
    for warning in report.warnings[:20]:
        times = f" ({warning.count}×)" if warning.count > 1 else ""
        err.print(
            f"[yellow]warning:[/] {escape(_where(warning) + warning.message)}{times}",
            highlight=False,
        )
    for error in report.errors[:50]:
        err.print(f"[red]{escape(_where(error))}[/]{escape(error.message)}", highlight=False)


# Concepts whose changes the import report prints (all of them with --json).
PRINTED_CHANGES = 20


def _print_concept_changes(report) -> None:  # type: ignore[no-untyped-def]
    """Per concept: each change before → after; the conflicts; the possible duplicates."""
    verb = "would change" if report.dry_run or not report.accepted else "changed"
    for change in report.changes[:PRINTED_CHANGES]:
        where = f" (line {change.line})" if change.line else ""
        out.print(f"concept {change.concept_id}{where} {verb}:", highlight=False)
        for line in change_lines(change.changes):
            out.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    hidden = len(report.changes) - PRINTED_CHANGES + report.changes_not_shown
    if hidden > 0:
        out.print(f"… and {hidden} more concepts changed (--json lists them)", highlight=False)
    for conflict in report.conflicts[:PRINTED_CHANGES]:
        where = f" (line {conflict.line})" if conflict.line else ""
        what = "overwritten" if conflict.resolution == "overwritten" else "left as it is"
        err.print(
            f"[yellow]conflict:[/] concept {conflict.concept_id}{where} {what}: "
            f"{escape(conflict.reason)}",
            highlight=False,
            soft_wrap=True,
        )
        for line in change_lines(conflict.changes):
            err.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    if report.conflicts and report.conflicts[0].resolution == "kept":
        err.print("(--on-conflict overwrite merges them all the same)", highlight=False)
    for duplicate in report.possible_duplicates[:PRINTED_CHANGES]:
        where = f"line {duplicate.line}: " if duplicate.line else ""
        err.print(
            f"[yellow]possible duplicate:[/] {where}concept {duplicate.concept_id} "
            f"'{escape(duplicate.term)}' ({duplicate.lang}) is the main term of concept "
            f"{duplicate.other_concept_id} too ('{escape(duplicate.other_term)}')",
            highlight=False,
            soft_wrap=True,
        )


def _short(value: object) -> str:
    if value is None or value == "":
        return "∅"
    if isinstance(value, dict):
        value = value.get("text") or value
    text = str(value).replace("\n", " ")
    return repr(text if len(text) <= 60 else text[:57] + "…")


def change_lines(changes) -> list[str]:  # type: ignore[no-untyped-def]
    """One line per change: ``definition: 'old' → 'new'``, ``term 'x' (en) removed``."""
    lines = []
    for change in changes:
        if change.field == "term":
            lines.append(f"term {_short(change.term)} ({change.lang}) {change.change}")
        elif change.term is not None:
            lines.append(
                f"term {_short(change.term)} ({change.lang}) {change.field}: "
                f"{_short(change.before)} → {_short(change.after)}"
            )
        else:
            lines.append(f"{change.field}: {_short(change.before)} → {_short(change.after)}")
    return lines


def _where(problem) -> str:  # type: ignore[no-untyped-def]
    if not problem.line:
        return ""
    return f"line {problem.line}" + (f", column {problem.column}" if problem.column else "") + ": "


def _read_text(file: str) -> str:
    from app.documents import DocumentError, decode_text

    max_bytes = Settings().max_recognize_chars * 4
    try:
        raw = sys.stdin.buffer.read(max_bytes + 1) if file == "-" else _read_file(file, max_bytes)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    if len(raw) > max_bytes:
        fail(f"{file} is over the limit of {max_bytes} bytes")
    try:
        return decode_text(raw, file)
    except DocumentError as exc:
        fail(str(exc))


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
