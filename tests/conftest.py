"""Shared fixtures: real databases (SQLite and PostgreSQL), the app over HTTP, the shared data.

Every test that takes ``database`` (or anything built on it) runs twice: on a SQLite file and on a
fresh PostgreSQL database created for the session on the server named by
``ALINEA_TEST_POSTGRES_URL`` (default ``postgresql://127.0.0.1:5432/test``). Where no server
answers, the PostgreSQL runs are skipped with the reason, unless ``ALINEA_TEST_REQUIRE_POSTGRES``
is set (as CI does), in which case they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import Database, normalize_url, upgrade
from app.main import create_app
from app.models import metadata
from app.settings import Settings
from termbase.exchange.schematron import load_relaxng, load_schematron
from termbase.index import TermIndex
from termbase.models import DEFAULT_COLLECTIONS
from termbase.seed import load_seed_if_new, read_seed

SEED_CONCEPTS = len(read_seed()["concepts"])  # concepts in the shipped seed

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ALINEA_SHARED_DIR", ROOT.parent / "shared"))
POSTGRES_URL = os.environ.get("ALINEA_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REQUIRE_POSTGRES = bool(os.environ.get("ALINEA_TEST_REQUIRE_POSTGRES"))

# Emptied before each test: every table of the metadata (children first), except the one-row
# state the service keeps (reset below) and its secrets (the cursor key, kept for the session).
# The collections are reset below to the three every termbase has (fixed ids).
_KEPT = {"termbase_state", "service_secret", "collection"}
TABLES = tuple(t.name for t in reversed(metadata.sorted_tables) if t.name not in _KEPT)


# -- shared data ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data").is_dir():
        pytest.skip(f"needs the shared data folder, not found at {SHARED} (set ALINEA_SHARED_DIR)")
    return SHARED


@pytest.fixture(scope="session")
def seed_document(shared_dir: Path) -> str:
    return (shared_dir / "data/seed/trafficking-resolution-2019.fr.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_concepts() -> int:
    """How many concepts the shipped seed has."""
    return SEED_CONCEPTS


@pytest.fixture(scope="session")
def tbx_dir(shared_dir: Path) -> Path:
    """The official TBX schemas and samples of the shared folder."""
    folder = shared_dir / "tbx"
    if not (folder / "core/TBXcoreStructV03.rng").is_file():
        pytest.skip(f"needs the TBX schemas and samples of {folder}")
    return folder


@pytest.fixture(scope="session")
def core_rng(tbx_dir: Path) -> etree.RelaxNG:
    return load_relaxng(tbx_dir / "core/TBXcoreStructV03.rng")


@pytest.fixture(scope="session")
def basic_schematron(tbx_dir: Path) -> Any:
    return load_schematron(tbx_dir / "basic_dialect/DCA/TBX-Basic_DCA.sch")


@pytest.fixture(scope="session")
def un_term_pairs(shared_dir: Path) -> list[dict[str, str]]:
    import csv

    with (shared_dir / "data/terms/un_terms_fr_en.tsv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


# -- databases -----------------------------------------------------------------------------------


def _postgres_server_url() -> str | None:
    """The server URL if a PostgreSQL server answers, else None."""
    try:
        engine = create_engine(normalize_url(POSTGRES_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return POSTGRES_URL
    except Exception as exc:  # no server, refused, auth: all mean "not available here"
        _postgres_server_url.reason = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"  # type: ignore[attr-defined]
        return None


@pytest.fixture(scope="session")
def postgresql_database_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session, dropped at the end."""
    server = _postgres_server_url()
    if server is None:
        reason = f"no PostgreSQL server answers at {POSTGRES_URL} ({_postgres_server_url.reason})"  # type: ignore[attr-defined]
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"alinea_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalize_url(server)).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'alinea-test.db'}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database URL, once per backend for the session."""
    url: str = request.getfixturevalue(f"{request.param}_database_url")
    database = Database(url)
    upgrade(database.engine)
    database.dispose()
    return url


def _empty(database: Database) -> None:
    with database.engine.begin() as conn:
        if database.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
            # the termbase's ids start again, as in a new file (RESTART IDENTITY); the segments'
            # do not: their full-text index counts on ids that only grow (segment_fts_state)
            conn.execute(
                text("DELETE FROM sqlite_sequence WHERE name IN ('concept', 'term', 'revision')")
            )
        conn.execute(text("UPDATE termbase_state SET generation = 0, seed_version = NULL"))
        # the collections every termbase has, as the migration wrote them; no others
        conn.execute(text("DELETE FROM collection WHERE id > 3"))
        for row in DEFAULT_COLLECTIONS:
            conn.execute(
                text(
                    "UPDATE collection SET priority = :priority, reliability = :reliability "
                    "WHERE id = :id"
                ),
                row,
            )


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """An empty, migrated database (on each backend)."""
    database = Database(database_url)
    _empty(database)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def seeded_database(database: Database) -> Database:
    with database.session() as session:
        load_seed_if_new(session=session)
    return database


@pytest.fixture
def seeded_index(seeded_database: Database) -> TermIndex:
    index = TermIndex()
    with seeded_database.sessionmaker() as session:
        index.load(session=session)
    return index


# -- writing as another process would --------------------------------------------------------


def _add_concept(database: Database, *terms: dict[str, str], user: str = "elsewhere") -> int:
    """Create a concept with ``terms`` straight in the database; return its id."""
    from termbase.schemas import ConceptIn
    from termbase.service import create_concept

    with database.session() as session:
        concept = create_concept(
            ConceptIn.model_validate({"terms": list(terms)}), session=session, user=user
        )
        return concept.id


def _replace_terms(
    database: Database, concept_id: int, *terms: dict[str, str], user: str = "elsewhere"
) -> None:
    """Replace a concept's terms straight in the database."""
    from termbase.schemas import ConceptPatch
    from termbase.service import update_concept

    with database.session() as session:
        update_concept(
            concept_id,
            ConceptPatch.model_validate({"terms": list(terms)}),
            session=session,
            user=user,
        )


@pytest.fixture(scope="session")
def add_concept() -> Callable[..., int]:
    """``add_concept(database, *terms, user=…)``: a concept created straight in the database, as
    another process would; returns its id."""
    return _add_concept


@pytest.fixture(scope="session")
def replace_terms() -> Callable[..., None]:
    """``replace_terms(database, concept_id, *terms, user=…)``: a concept's terms replaced straight
    in the database, as another process would."""
    return _replace_terms


# -- the service over HTTP -----------------------------------------------------------------------


class KeyedClient(TestClient):
    """A test client that, once the app has started (migrations applied), sends every request
    with a new API key of ``role`` (None: no key)."""

    def __init__(
        self, app: object, url: str, role: str | None, name: str, **kwargs: object
    ) -> None:
        super().__init__(app, **kwargs)  # type: ignore[arg-type]
        self.database_url = url
        self.role = role
        self.key_name = name

    def __enter__(self) -> KeyedClient:
        super().__enter__()
        if self.role is not None:
            self.headers.update(_bearer(_make_key(self.database_url, self.role, self.key_name)))
        return self


def _make_client(
    url: str, *, role: str | None = "admin", name: str = "tester", **settings: object
) -> KeyedClient:
    """The app on the database at ``url``; inside ``with``, its requests carry a key of ``role``
    (an admin's by default, so tests of what a user may do need not each make one)."""
    settings.setdefault("runner", "off")  # the job tests start runners where they need them
    settings.setdefault("rate_limit", "off")  # tests of the limits set their own
    settings.setdefault("rate_limit_heavy", "off")
    app = create_app(Settings(database_url=url, **settings))  # type: ignore[arg-type]
    return KeyedClient(app, url, role, name)


def _make_key(url: str, role: str = "admin", name: str = "tester") -> str:
    """A new API key on the database at ``url`` (as `alinea keys create` makes them)."""
    from app.auth.keys import create_key
    from app.auth.models import Role

    database = Database(url)
    try:
        with database.session() as session:
            return create_key(session, name=name, role=Role(role))[1]
    finally:
        database.dispose()


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session")
def make_client() -> Callable[..., KeyedClient]:
    """``make_client(url, role=…, name=…, **settings)``: the app on the database at ``url``, with
    ``settings`` (see ``_make_client``)."""
    return _make_client


@pytest.fixture(scope="session")
def make_key() -> Callable[..., str]:
    """``make_key(url, role="admin", name="tester")``: a new API key on that database."""
    return _make_key


@pytest.fixture(scope="session")
def bearer() -> Callable[[str], dict[str, str]]:
    """``bearer(key)``: the Authorization header that sends ``key``."""
    return _bearer


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    """The app on an empty termbase (no seed), its requests sent with an admin's key."""
    with _make_client(database.url, load_seed=False) as test_client:
        yield test_client


@pytest.fixture
def seeded_client(database: Database) -> Iterator[TestClient]:
    """The app as a user starts it: migrations applied and the UN seed termbase loaded; its
    requests sent with an admin's key."""
    with _make_client(database.url) as test_client:
        yield test_client
