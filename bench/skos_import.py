"""SKOS import benchmark (issue 13): the UNESCO Thesaurus (4,485 concepts, five languages) and the
UNTERM country names (197) imported into a fresh, migrated database, each in its own child
process, with the parse time (rdflib) apart and the peak memory.

    .venv/bin/python bench/skos_import.py
    .venv/bin/python bench/skos_import.py --postgres postgresql://127.0.0.1:5432/test

Figures are printed; nothing is asserted. Target: the UNESCO file in ≤ 30 s.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
THESAURI = ROOT.parent / "shared" / "data" / "thesauri"
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from _machine import busy_cores_since, busy_mark  # noqa: E402


def _child(path: str, url: str) -> None:
    from app.db import Database, upgrade
    from termbase.exchange.importer import ImportFormat, ImportOptions, import_termbase
    from termbase.exchange.safe_input import CountingReader
    from termbase.exchange.skos import SkosInfo, read_skos

    data = Path(path).read_bytes()
    start = time.perf_counter()
    concepts = sum(
        1 for _ in read_skos(CountingReader(io.BytesIO(data), max_bytes=10**9), SkosInfo())
    )
    read = time.perf_counter() - start
    database = Database(url)
    upgrade(database.engine)
    mark = busy_mark()
    start = time.perf_counter()
    with database.sessionmaker() as session:
        report = import_termbase(
            io.BytesIO(data), session=session, options=ImportOptions(format=ImportFormat.SKOS)
        )
        session.commit()
    total = time.perf_counter() - start
    print(
        json.dumps(
            {
                "file": Path(path).name,
                "database": url.split(":", 1)[0],
                "concepts": report.concepts.created,
                "terms": report.terms.created,
                "read_s": round(read, 2),
                "read_concepts": concepts,
                "import_s": round(total, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "busy_cores": round(busy_cores_since(mark), 2),
            }
        )
    )
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="Also import into a fresh database on this server.")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    for name in ("unesco-thesaurus.ttl", "unterm-countries.ttl"):
        path = THESAURI / name
        if not path.exists():
            print(f"{path} is absent: skipped")
            continue
        targets = [f"sqlite:///{OUT / f'skos-{uuid.uuid4().hex[:8]}.db'}"]
        if args.postgres:
            targets.append(_fresh_postgres(args.postgres))
        for url in targets:
            subprocess.run([sys.executable, __file__, "--child", str(path), url], check=True)
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            else:
                _drop_postgres(args.postgres, url)


def _fresh_postgres(server: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.db import normalize_url

    name = f"alinea_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(normalize_url(server)).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(server: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.db import normalize_url

    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
