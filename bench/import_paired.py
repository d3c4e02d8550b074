"""Paired import timings: this checkout against another tree of Alinea (e.g. the commit before a
change), one import after the other, so that both see the same load of a shared machine.

    git archive <commit> | tar -x -C /tmp/alinea-base          # the tree to compare with
    .venv/bin/python bench/import_paired.py --base /tmp/alinea-base \\
        --file bench/out/termbase-100k.tbx --rounds 2 --postgres postgresql://127.0.0.1:5432/test

Each import runs in a fresh child process with that tree first on ``sys.path``: the file goes
into a new, migrated SQLite file (and a fresh PostgreSQL database with ``--postgres``) by
``import_termbase``, committed. Printed per import: wall time, the child's own CPU time (for
SQLite that is nearly all of the work; for PostgreSQL the server's share is not in it) and the
machine's load. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
root, url, path = sys.argv[1:4]
sys.path.insert(0, root)
from app.db import Database, upgrade
from termbase.exchange.importer import ImportOptions, import_termbase
database = Database(url)
upgrade(database.engine)
with database.sessionmaker() as session, open(path, "rb") as source:
    cpu, wall = time.process_time(), time.perf_counter()
    report = import_termbase(source, session=session, options=ImportOptions(max_bytes=2**40))
    session.commit()
    print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                      "created": report.concepts.created, "accepted": report.accepted}))
database.dispose()
"""


def _postgres(server: str, name: str, create: bool) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    sys.path.insert(0, str(ROOT))
    from app.db import normalize_url

    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if create:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    return make_url(normalize_url(server)).set(database=name).render_as_string(False)


def _import(tree: Path, url: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), url, str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tree,
    )
    if done.returncode != 0:
        raise SystemExit(f"the import in {tree} failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the other tree of Alinea")
    parser.add_argument("--file", type=Path, default=ROOT / "bench/out/termbase-100k.tbx")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", help="also import into fresh databases on this server")
    args = parser.parse_args()
    trees = [("base", args.base.resolve()), ("this", ROOT)]
    print(f"importing {args.file} ({args.file.stat().st_size / 1e6:.1f} MB)")
    for round_number in range(1, args.rounds + 1):
        for label, tree in trees:
            with tempfile.TemporaryDirectory() as folder:
                targets: list[tuple[str, str, str | None]] = [
                    ("sqlite", f"sqlite:///{folder}/import.db", None)
                ]
                if args.postgres:
                    fresh = f"alinea_paired_{uuid.uuid4().hex[:10]}"
                    targets.append(("postgresql", _postgres(args.postgres, fresh, True), fresh))
                for backend, url, database in targets:
                    try:
                        result = _import(tree, url, args.file)
                    finally:
                        if database:
                            _postgres(args.postgres, database, False)
                    load = os.getloadavg()[0]
                    print(
                        f"round {round_number}  {label:<4} {backend:<10} "
                        f"wall {result['wall']:6.2f} s  cpu {result['cpu']:6.2f} s  "
                        f"load {load:.2f}  "
                        f"created {int(result['created']):,}",
                        flush=True,
                    )
                    time.sleep(1)


if __name__ == "__main__":
    main()
