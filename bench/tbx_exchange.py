"""Termbase exchange benchmark (issue 4): export of a 100,000-concept termbase as TBX (and TBX v2,
CSV), its time and peak memory, and the import of the TBX file into an empty database.

    .venv/bin/python bench/tbx_exchange.py                      # builds the termbases if missing
    .venv/bin/python bench/tbx_exchange.py --formats tbx tbx2 csv --postgres postgresql://127.0.0.1:5432/test

Each measurement runs in a fresh child process, so its peak RSS (``ru_maxrss``) is its own:

* export: ``termbase.exchange.export.export_termbase`` streamed to a file, on the 100k termbase
  and on a 10k one built the same way, to show that the peak does not grow with the termbase;
* import: ``termbase.exchange.importer.import_termbase`` of the exported TBX file into a new,
  migrated SQLite file (and a fresh PostgreSQL database with ``--postgres``), committed, then
  counted.

``--validate`` also checks the 100k TBX file against the official schemas (../shared/tbx; the
whole document is loaded for that, in its own child). Figures are printed; nothing is asserted.
Targets: export ≤ 10 s and ≤ 200 MB, import ≤ 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from _machine import busy_cores_since, busy_mark  # noqa: E402


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# -- children -------------------------------------------------------------------------------------


def child_export(args: argparse.Namespace) -> dict[str, Any]:
    from app.db import Database
    from termbase.exchange.export import ExportFormat, export_termbase

    database = Database(f"sqlite:///{args.db}")
    before = _rss_mib()
    machine = busy_mark()
    started = time.perf_counter()
    cpu = time.process_time()
    size = 0
    pieces = 0
    with open(args.out, "wb") as handle:
        for piece in export_termbase(database.sessionmaker, ExportFormat(args.format)):
            handle.write(piece)
            size += len(piece)
            pieces += 1
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "bytes": size,
        "pieces": pieces,
        "rss_before_mib": before,
        "peak_mib": _peak_mib(),
        "busy_cores": busy_cores_since(machine),
    }


def child_import(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func, select

    from app.db import Database, upgrade
    from termbase.exchange.importer import ImportOptions, import_termbase
    from termbase.models import Concept, Revision, Term

    database = Database(args.target)
    upgrade(database.engine)
    before = _rss_mib()
    machine = busy_mark()
    started = time.perf_counter()
    with database.sessionmaker() as session, open(args.file, "rb") as handle:
        report = import_termbase(
            handle,
            session=session,
            options=ImportOptions(user="bench", max_bytes=2 * 1024**3),
        )
        if not report.accepted:
            raise SystemExit(f"import refused: {report.first_error()}")
        parsed_and_written = time.perf_counter() - started
        session.commit()
    seconds = time.perf_counter() - started
    busy = busy_cores_since(machine)
    with database.sessionmaker() as session:
        counts = {
            "concepts": session.execute(select(func.count(Concept.id))).scalar_one(),
            "terms": session.execute(select(func.count(Term.id))).scalar_one(),
            "revisions": session.execute(select(func.count(Revision.id))).scalar_one(),
        }
    database.dispose()
    return {
        "seconds": seconds,
        "commit_seconds": seconds - parsed_and_written,
        "rss_before_mib": before,
        "peak_mib": _peak_mib(),
        "busy_cores": busy,
        "report": report.model_dump(include={"concepts", "terms", "transactions"}),
        "counted": counts,
    }


def child_validate(args: argparse.Namespace) -> dict[str, Any]:
    """RELAX NG on the whole file; the Schematron on pieces of 1,000 entries.

    lxml's Schematron (XSLT 1.0) takes time quadratic in the number of sibling entries (33 s for
    10,000), so the rules run on each piece wrapped in the file's own root and header: every
    TBX-Basic rule looks at an element and its parents only, except the one about ``target``
    attributes, which the export never writes.
    """
    import copy

    from lxml import etree

    from termbase.exchange.schematron import failures, load_relaxng, load_schematron

    schemas = Path(args.schemas)
    started = time.perf_counter()
    parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
    document = etree.parse(args.file, parser)
    rng = load_relaxng(schemas / "core/TBXcoreStructV03.rng")
    valid = rng.validate(document)
    rng_seconds = time.perf_counter() - started
    rules = load_schematron(schemas / "basic_dialect/DCA/TBX-Basic_DCA.sch")
    root = document.getroot()
    ns = {"tbx": "urn:iso:std:iso:30042:ed-2"}
    entries = root.findall("tbx:text/tbx:body/tbx:conceptEntry", ns)
    failed = 0
    for start in range(0, len(entries), 1000):
        piece = etree.Element(root.tag, dict(root.attrib), nsmap=root.nsmap)
        piece.append(copy.deepcopy(root.find("tbx:tbxHeader", ns)))
        body = etree.SubElement(
            etree.SubElement(piece, f"{{{ns['tbx']}}}text"), f"{{{ns['tbx']}}}body"
        )
        body.extend(copy.deepcopy(e) for e in entries[start : start + 1000])
        failed += len(failures(rules, piece.getroottree()))
    return {
        "relaxng_valid": bool(valid),
        "relaxng_errors": [str(e) for e in list(rng.error_log)[:3]],
        "relaxng_seconds": rng_seconds,
        "entries": len(entries),
        "schematron_failures": failed,
        "seconds": time.perf_counter() - started,
        "peak_mib": _peak_mib(),
    }


CHILDREN = {"export": child_export, "import": child_import, "validate": child_validate}


def run_child(mode: str, timeout: float, **options: Any) -> dict[str, Any] | None:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        print(f"  !! {mode}: no result within {timeout:.0f} s")
        return None
    if done.returncode != 0:
        print(f"  !! {mode} failed (exit {done.returncode}):")
        print("     " + "\n     ".join(done.stderr.strip().splitlines()[-10:]))
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the parent -----------------------------------------------------------------------------------


def ensure_termbase(path: Path, concepts: int) -> None:
    if path.exists():
        return
    print(f"building {path} ({concepts:,} concepts) with bench/make_termbase.py …", flush=True)
    subprocess.run(
        [sys.executable, str(ROOT / "bench/make_termbase.py"), "--concepts", str(concepts),
         "--db", str(path), "--seed", "42"],
        check=True,
        cwd=ROOT,
    )  # fmt: skip


def fresh_sqlite(name: str) -> str:
    path = OUT / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def fresh_postgres(server: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.db import normalize_url

    name = f"alinea_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(normalize_url(server)).set(database=name)
    return url.render_as_string(hide_password=False), name


def drop_postgres(server: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    from app.db import normalize_url

    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--db", type=Path, default=OUT / "termbase-100k.db")
    parser.add_argument("--small-db", type=Path, default=OUT / "termbase-10k.db")
    parser.add_argument(
        "--formats", nargs="+", default=["tbx"], choices=["tbx", "tbx2", "csv", "tsv"]
    )
    parser.add_argument("--postgres", help="also import into a fresh database on this server")
    parser.add_argument("--validate", action="store_true", help="validate the 100k TBX file")
    parser.add_argument("--schemas", default=str(ROOT.parent / "shared" / "tbx"))
    parser.add_argument("--timeout", type=float, default=600)
    # for the children
    parser.add_argument("--format", default="tbx")
    parser.add_argument("--out")
    parser.add_argument("--file")
    parser.add_argument("--target")
    args = parser.parse_args()

    if args.child:
        print(json.dumps(CHILDREN[args.child](args)))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    ensure_termbase(args.db, 100_000)
    ensure_termbase(args.small_db, 10_000)
    print(f"machine: {os.cpu_count()} CPUs; 'busy' is the average number of busy cores, all "
          "processes, during the measurement")  # fmt: skip
    print("\nexport (fresh process each, streamed to a file):")
    files: dict[str, Path] = {}
    for export_format in args.formats:
        for db in (args.small_db, args.db):
            target = OUT / f"{db.stem}.{export_format}"
            result = run_child("export", args.timeout, db=db, format=export_format, out=target)
            if result is None:
                continue
            files[f"{db.stem}.{export_format}"] = target
            print(
                f"  {db.stem:<15} {export_format:<5} {result['seconds']:6.2f} s "
                f"(cpu {result['cpu_seconds']:.2f} s)  {result['bytes'] / 1e6:7.1f} MB in "
                f"{result['pieces']:>4} pieces  RSS before {result['rss_before_mib']:5.1f} MiB, "
                f"peak {result['peak_mib']:5.1f} MiB ({result['peak_mib'] * 1.048576:.0f} MB)"
                f"  busy {result['busy_cores']:.2f}",
                flush=True,
            )

    big = files.get(f"{args.db.stem}.tbx")
    if big is not None and args.validate:
        result = run_child("validate", args.timeout, file=big, schemas=args.schemas)
        if result:
            verdict = "valid" if result["relaxng_valid"] else "INVALID"
            print(
                f"\nvalidation of {big.name}: RELAX NG (whole file, "
                f"{result['relaxng_seconds']:.1f} s) {verdict} {result['relaxng_errors'] or ''}; "
                f"TBX-Basic DCA Schematron on {result['entries']:,} entries in pieces of 1,000: "
                f"{result['schematron_failures']} failures ({result['seconds']:.0f} s in all, "
                f"{result['peak_mib']:.0f} MiB)"
            )

    if big is None:
        return
    print(f"\nimport of {big.name} ({big.stat().st_size / 1e6:.1f} MB) into an empty database:")
    targets: list[tuple[str, str, str | None]] = [
        ("sqlite", fresh_sqlite("import-target.db"), None)
    ]
    if args.postgres:
        postgres_url, postgres_name = fresh_postgres(args.postgres)
        targets.append(("postgresql", postgres_url, postgres_name))
    for label, url, name in targets:
        try:
            result = run_child("import", args.timeout, file=big, target=url)
        finally:
            if name:
                drop_postgres(args.postgres, name)
        if result is None:
            continue
        report, counted = result["report"], result["counted"]
        print(
            f"  {label:<10} {result['seconds']:6.2f} s (commit {result['commit_seconds']:.2f} s)  "
            f"peak {result['peak_mib']:5.1f} MiB  busy {result['busy_cores']:.2f}  "
            f"created {report['concepts']['created']:,} concepts, "
            f"{report['terms']['created']:,} terms, {report['transactions']:,} history entries; "
            f"counted {counted['concepts']:,} / {counted['terms']:,} / "
            f"{counted['revisions']:,} revisions",
            flush=True,
        )


if __name__ == "__main__":
    main()
