"""``alinea jobs …`` (a client of the service named by ``ALINEA_URL``) and ``alinea worker``."""

from __future__ import annotations

import io
import json
import logging
import signal
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.settings import Settings

jobs_app = typer.Typer(
    help="Batch alignment jobs on the service at ALINEA_URL (default http://127.0.0.1:8000).",
    no_args_is_help=True,
)

out = Console(soft_wrap=False)
err = Console(stderr=True)

FINAL = ("done", "failed", "cancelled")
FORMATS = ("tmx", "jsonl", "tsv")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def service_url() -> str:
    return Settings().url.rstrip("/")


def client() -> Any:
    """An HTTP client of the service (tests hand in their own)."""
    import httpx

    key = Settings().api_key
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(
        base_url=service_url(), headers=headers, timeout=httpx.Timeout(30.0, read=300.0)
    )


def _call(method: str, path: str, **kwargs: Any) -> Any:
    """One request; a one-line error for a service that does not answer or says no."""
    import httpx

    http = client()
    try:
        response = http.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        fail(f"cannot reach the Alinea service at {service_url()} (ALINEA_URL): {exc}")
    finally:
        http.close()
    _check(response)
    return response.json()


def _check(response: Any) -> None:
    if response.status_code < 400:
        return
    try:
        problem = response.json()
        detail = problem.get("detail") or problem.get("title")
    except ValueError:
        detail = response.text[:200]
    fail(f"the service answered {response.status_code}: {detail}")


def _summary(job: dict[str, Any]) -> str:
    counts = job["counts"]
    seconds = f", {job['seconds']:.1f} s" if job.get("seconds") is not None else ""
    return (
        f"job {job['id']} {job['state']}: {counts['done']} done, {counts['failed']} failed, "
        f"{counts['cancelled']} cancelled of {counts['total']}{seconds}"
    )


def _print_failures(job: dict[str, Any]) -> None:
    for failure in job.get("failures") or ():
        err.print(
            f"[yellow]failed:[/] {escape(failure['name'])}: {escape(failure['reason'])}",
            highlight=False,
            soft_wrap=True,
        )


def _pairs_zip(folder: Path) -> tuple[io.BufferedRandom, int, list[str]]:
    """Every NAME.fr.* / NAME.en.* file of the folder in a zip (in a temporary file)."""
    from app.jobs.intake import _DOCUMENT_RE

    files = sorted(p for p in folder.iterdir() if p.is_file() and _DOCUMENT_RE.match(p.name))
    sides: dict[str, set[str]] = {}
    for path in files:
        match = _DOCUMENT_RE.match(path.name)
        assert match is not None
        sides.setdefault(match.group("name"), set()).add(match.group("lang").lower())
    unpaired = sorted(name for name, langs in sides.items() if len(langs) != 2)
    if not sides:
        fail(f"{folder} has no NAME.fr.* / NAME.en.* files (.txt, .docx or no extension)")
    if unpaired:
        shown = ", ".join(unpaired[:5]) + (" …" if len(unpaired) > 5 else "")
        fail(f"{len(unpaired)} documents of {folder} have only one side: {shown}")
    archive = tempfile.TemporaryFile()  # noqa: SIM115 -- the caller closes it once sent
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in files:
            zf.write(path, path.name)
    archive.seek(0)
    return archive, len(sides), sorted(sides)  # type: ignore[return-value]


@jobs_app.command("submit")
def submit(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A folder of NAME.fr.* / NAME.en.* files.")
    ],
    presegmented: Annotated[
        bool,
        typer.Option(
            "--presegmented", help="Text files hold one sentence a line (the align-dev layout)."
        ),
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the job to finish, with a progress bar.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the job as JSON.")] = False,
) -> None:
    """Send every document pair of a folder as one job (.txt, .docx, or no extension)."""
    if not folder.is_dir():
        fail(f"{folder} is not a folder")
    archive, count, _names = _pairs_zip(folder)
    with archive:
        # The zip as the body, with its own content type: a form upload is a body a web page
        # could send too, so the service takes one only with a key (app.auth.access).
        size = archive.seek(0, 2)
        archive.seek(0)
        job = _call(
            "POST",
            "/v1/jobs",
            content=archive,
            params={"presegmented": "true" if presegmented else "false"},
            headers={"content-type": "application/zip", "content-length": str(size)},
        )
    if not wait:
        if as_json:
            out.print_json(json.dumps(job))
        else:
            out.print(f"job {job['id']} queued: {count} document pairs", highlight=False)
        return
    job = _wait(job)
    if as_json:
        out.print_json(json.dumps(job))
    else:
        out.print(_summary(job), highlight=False)
    _print_failures(job)
    if job["state"] != "done" or job["counts"]["failed"]:
        raise typer.Exit(1)


def _wait(job: dict[str, Any], poll: float = 0.5) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(f"job {job['id']}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("aligning", total=job["counts"]["total"], failed=0)
        while True:
            counts = job["counts"]
            progress.update(
                task, completed=counts["done"] + counts["failed"], failed=counts["failed"]
            )
            if job["state"] in FINAL:
                return job
            time.sleep(poll)
            job = _call("GET", f"/v1/jobs/{job['id']}")


@jobs_app.command("status")
def status(
    job_id: Annotated[int, typer.Argument(metavar="ID", help="The job's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the job as JSON.")] = False,
) -> None:
    """A job's state, counts and timings, and each failed document with its reason."""
    job = _call("GET", f"/v1/jobs/{job_id}")
    if as_json:
        out.print_json(json.dumps(job))
        return
    table = Table(title=f"job {job['id']}: {job['state']}", show_header=False)
    for key in ("total", "queued", "running", "done", "failed", "cancelled"):
        table.add_row(key, str(job["counts"][key]))
    for key in ("created_at", "started_at", "finished_at", "seconds"):
        table.add_row(key.replace("_", " "), str(job.get(key) or "–"))
    out.print(table)
    _print_failures(job)


@jobs_app.command("results")
def results(
    job_id: Annotated[int, typer.Argument(metavar="ID", help="The job's id.")],
    output_format: Annotated[str, typer.Option("--format", help="tmx, jsonl or tsv.")] = "tmx",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="What is finished, even if the job is not.")
    ] = False,
) -> None:
    """Download a job's results (streamed to the file as they come)."""
    import httpx

    if output_format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}", 2)
    params = {"format": output_format, "partial": "true" if partial else "false"}
    http = client()
    written = 0
    try:
        with http.stream("GET", f"/v1/jobs/{job_id}/results", params=params) as response:
            if response.status_code >= 400:
                response.read()
                _check(response)
            try:
                sink = output.open("wb") if output is not None else sys.stdout.buffer
            except OSError as exc:
                fail(f"cannot write {output}: {exc.strerror or exc}")
            try:
                for chunk in response.iter_bytes():
                    sink.write(chunk)
                    written += len(chunk)
            finally:
                if output is not None:
                    sink.close()
                else:
                    sink.flush()
    except httpx.HTTPError as exc:
        fail(f"cannot reach the Alinea service at {service_url()} (ALINEA_URL): {exc}")
    finally:
        http.close()
    if output is not None:
        out.print(f"{written:,} bytes written to {escape(str(output))}", highlight=False)


@jobs_app.command("cancel")
def cancel(
    job_id: Annotated[int, typer.Argument(metavar="ID", help="The job's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the job as JSON.")] = False,
) -> None:
    """Cancel a job: its queued documents never run; done ones keep their results."""
    job = _call("DELETE", f"/v1/jobs/{job_id}")
    if as_json:
        out.print_json(json.dumps(job))
    else:
        out.print(_summary(job), highlight=False)


@jobs_app.command("list")
def list_jobs(
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The newest jobs and their progress."""
    page = _call("GET", "/v1/jobs", params={"limit": limit})
    if as_json:
        out.print_json(json.dumps(page))
        return
    for job in page["items"]:
        out.print(_summary(job), highlight=False)


segments_app = typer.Typer(
    help="The concordance of aligned segments on the service at ALINEA_URL.",
    no_args_is_help=True,
)


@segments_app.command("search")
def search_segments(
    query: Annotated[
        str | None,
        typer.Argument(
            help='Words (inflected forms found), "a phrase", prefix*.', show_default=False
        ),
    ] = None,
    lang: Annotated[str, typer.Option(help="The side to search: fr or en.")] = "fr",
    concept: Annotated[
        int | None,
        typer.Option(min=1, help="Only segments holding this termbase concept (any of its terms)."),
    ] = None,
    job: Annotated[int | None, typer.Option(min=1, help="Only this job's segments.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, best first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Aligned segment pairs whose French (or English) side matches, the match in bold."""
    if query is None and concept is None:
        fail("give a query, --concept, or both")
    if lang not in ("fr", "en"):
        fail(f"--lang must be fr or en, not {lang!r}")
    params: dict[str, Any] = {"lang": lang, "limit": limit}
    for name, value in (("q", query), ("concept", concept), ("job", job)):
        if value is not None:
            params[name] = value
    page = _call("GET", "/v1/segments", params=params)
    if as_json:
        out.print_json(json.dumps(page))
        return
    if not page["items"]:
        err.print("no segment matches", highlight=False)
        return
    table = Table("document", lang, "en" if lang == "fr" else "fr", show_lines=True)
    for hit in page["items"]:
        side, other = (hit["fr"], hit["en"]) if lang == "fr" else (hit["en"], hit["fr"])
        table.add_row(
            escape(f"{hit['document']} #{hit['position']} (job {hit['job_id']})"),
            _bold(side, hit["matches"]),
            escape(other),
        )
    out.print(table)


def _bold(text: str, matches: list[dict[str, int]]) -> str:
    """Rich markup of the text with each match in bold (the rest escaped)."""
    pieces, at = [], 0
    for match in matches:
        pieces.append(escape(text[at : match["start"]]))
        pieces.append(f"[bold]{escape(text[match['start'] : match['end']])}[/bold]")
        at = match["end"]
    pieces.append(escape(text[at:]))
    return "".join(pieces)


def worker(
    processes: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Local pool size.", show_default="ALINEA_JOB_WORKERS"),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Run the items on this Dask scheduler (tcp://host:8786).",
            show_default="ALINEA_DASK_SCHEDULER",
        ),
    ] = None,
) -> None:
    """Run a job runner on its own, without the HTTP API.

    It claims queued items of the database at ALINEA_DATABASE_URL and aligns them on a local
    process pool (or on Dask), until stopped: Ctrl-C or SIGTERM gives unfinished items back to
    the queue.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import Database, upgrade
    from app.jobs.runner import Runner

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    overrides: dict[str, Any] = {}
    if processes is not None:
        overrides["job_workers"] = processes
    if scheduler is not None:
        overrides["dask_scheduler"] = scheduler
    settings = Settings(**overrides)
    try:
        database = Database(settings.database_url)
        if settings.auto_migrate:
            upgrade(database.engine)
    except SQLAlchemyError as exc:
        fail(f"cannot open the database {settings.database_url!r}: {str(exc).splitlines()[0]}")
    runner = Runner(database, settings)

    def stop(_signum: int, _frame: Any) -> None:
        runner.stop(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        stats = runner.run()
    except OSError as exc:  # e.g. a Dask scheduler that does not answer
        fail(f"the runner cannot start: {exc}")
    finally:
        database.dispose()
    err.print(f"worker stopped: {stats.done} done, {stats.failed} failed", highlight=False)
