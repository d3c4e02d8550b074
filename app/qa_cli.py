"""``alinea qa FR EN`` (translation QA) and ``alinea terms extract`` (term candidates), registered
on the main command line by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.settings import Settings


def _write(data: bytes, output: Path | None) -> None:
    from app.cli import out, write_output

    if write_output(data, output):
        out.print(f"written to {output}", highlight=False)


def qa_command(
    fr_file: Annotated[
        str, typer.Argument(metavar="FR_FILE", help="The French translation (text or .docx).")
    ],
    en_file: Annotated[
        str, typer.Argument(metavar="EN_FILE", help="The English original (text or .docx).")
    ],
    presegmented: Annotated[
        bool,
        typer.Option("--presegmented", help="The files hold one sentence a line."),
    ] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="text (default), json or html.")
    ] = "text",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
    checks: Annotated[
        str | None,
        typer.Option(help="Comma-separated checks to run (all by default)."),
    ] = None,
    all_beads: Annotated[
        bool, typer.Option("--all-beads", help="List every bead, not only those with findings.")
    ] = False,
) -> None:
    """Check a French translation against its English original and the termbase, bead by bead.

    Reports missing termbase equivalents, deprecated terms (with their note), a term rendered
    differently across the document, numbers, symbols, dates and paragraph numbers that differ,
    and the aligner's omissions and additions. Findings do not change the exit status: only
    input that cannot be read or aligned does.
    """
    from alignment.align import AlignmentError, align
    from app.cli import _open_index, fail, read_pair
    from app.qa_output import QAFormat, render_qa
    from termbase.aligned import beads_of_alignment
    from termbase.qa import KINDS, QAOptions, check_translation

    formats = [f.value for f in QAFormat]
    if output_format not in formats:
        fail(f"--format must be one of {', '.join(formats)}, not {output_format!r}", 2)
    chosen = frozenset(c.strip() for c in (checks or "").split(",") if c.strip())
    unknown = sorted(chosen - set(KINDS))
    if unknown:
        fail(f"--checks: unknown {', '.join(unknown)}; choose among {', '.join(KINDS)}", 2)
    settings = Settings()
    fr_text, en_text, options = read_pair(
        fr_file, en_file, settings, presegmented=presegmented, check_languages=True
    )
    try:
        alignment = align(fr_text, en_text, options=options)
    except AlignmentError as exc:
        fail(str(exc))
    index = _open_index(settings)
    report = check_translation(
        beads_of_alignment(alignment),
        index,
        options=QAOptions(chosen) if chosen else QAOptions(),
    )
    _write(render_qa([("", report)], QAFormat(output_format), all_beads=all_beads), output)


def terms_extract(
    source: Annotated[
        str | None,
        typer.Argument(
            metavar="[FOLDER]",
            help="A folder of aligned pairs: NAME.fr / NAME.en, one sentence a line, with "
            "NAME.gold beads ([3]:[3,4]) or as many lines on each side.",
        ),
    ] = None,
    job: Annotated[
        int | None, typer.Option(min=1, help="Mine this job's aligned documents instead.")
    ] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="With --job: mine what is aligned so far.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=2000, help="Most candidates.")] = 100,
    min_frequency: Annotated[int, typer.Option(min=1, help="Fewest beads a pair must share.")] = 2,
    output_format: Annotated[
        str, typer.Option("--format", help="table (default), tsv or json.")
    ] = "table",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
    queue: Annotated[
        bool,
        typer.Option(
            "--queue",
            help="Also put the new pairs in the review queue (`alinea candidates list`), the job "
            "or folder as their source; pairs known or rejected before are left out.",
        ),
    ] = False,
    user: Annotated[
        str, typer.Option(help="With --queue: who proposes them, for the history.")
    ] = "alinea-extraction",
) -> None:
    """Propose French/English term pairs mined from aligned documents, best first, with their
    frequency, scores and an example; pairs the termbase already has are marked as known.
    With --queue the new pairs go to the review queue (accept, edit or reject them there)."""
    from rich.table import Table

    from app.cli import _open_index, fail, out
    from app.qa_output import candidates_tsv
    from app.term_candidates import CandidateRequest, candidate_list, mine
    from termbase.aligned import read_beads_folder

    if output_format not in ("table", "tsv", "json"):
        fail(f"--format must be table, tsv or json, not {output_format!r}", 2)
    if (source is None) == (job is None):
        fail("give a folder of aligned pairs or --job ID (one of them)", 2)
    settings = Settings()
    request = CandidateRequest(limit=limit, min_frequency=min_frequency)
    if job is not None:
        documents = _job_documents(settings, job, partial)
    else:
        assert source is not None
        folder = Path(source)
        if not folder.is_dir():
            fail(f"{source} is not a folder")
        try:
            documents = [
                (doc[0].ref.split("#")[0] if doc else "", doc) for doc in read_beads_folder(folder)
            ]
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            fail(f"cannot read {source}: {exc}")
        if not documents:
            fail(f"{source} has no NAME.fr / NAME.en pairs")
    index = _open_index(settings)
    found = mine(documents, index, request.options())
    listing = candidate_list(job, documents, found)
    if queue:
        listing.queue = _queue(
            settings, found, f"job {job}" if job is not None else str(source), user
        )
    if output_format == "json":
        data = listing.model_dump_json(indent=2).encode()
        _write(data + b"\n", output)
        return
    if output_format == "tsv" or output is not None:
        _write(candidates_tsv(found).encode("utf-8"), output)
        return
    beads = sum(len(doc) for _, doc in documents)
    table = Table(title=f"{len(found)} term candidates from {len(documents)} documents, "
                  f"{beads} beads")  # fmt: skip
    for column in ("#", "French", "English", "beads", "score", "known"):
        table.add_column(column, justify="right" if column in ("#", "beads", "score") else "left")
    for rank, c in enumerate(found, 1):
        table.add_row(
            str(rank), c.fr, c.en, str(c.frequency), f"{c.score:.2f}", "yes" if c.known else ""
        )
    out.print(table)
    if listing.queue is not None:
        q = listing.queue
        out.print(
            f"review queue: {q.queued} queued, {q.updated} pending already, {q.known} known, "
            f"{q.rejected_before} rejected before (not proposed again)",
            highlight=False,
        )


def _queue(settings: Settings, found, source: str, user: str):  # type: ignore[no-untyped-def]
    """Propose the mined pairs to the review queue, in one transaction."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.bootstrap import prepare_database
    from app.cli import fail
    from app.term_candidates import queue_candidates

    try:
        database = prepare_database(settings)
        with database.session() as session:
            return queue_candidates(session, found, source=source, user=user)
    except SQLAlchemyError as exc:
        fail(f"cannot queue the candidates in {settings.database_url!r}: {exc.__class__.__name__}")


def _job_documents(settings: Settings, job: int, partial: bool):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import SQLAlchemyError

    from app.bootstrap import prepare_database
    from app.cli import fail
    from app.errors import AlineaError
    from app.job_beads import job_documents

    try:
        database = prepare_database(settings)
        with database.sessionmaker() as session:
            return job_documents(session, job, partial=partial)
    except AlineaError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"cannot read the database {settings.database_url!r}: {exc.__class__.__name__}")


def register(app: typer.Typer, terms_app: typer.Typer) -> None:
    """Add ``qa`` to the main command line and ``extract`` to ``alinea terms``."""
    app.command("qa")(qa_command)
    terms_app.command("extract")(terms_extract)
