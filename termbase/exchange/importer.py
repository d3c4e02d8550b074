"""Importing a termbase file (a format of :mod:`termbase.exchange.formats`): all or nothing.

An import reads the file as a stream, a chunk of concepts at a time; each concept is validated by
the termbase's rules (``ConceptIn``), matched against the termbase by the merge policy, and
written in the caller's transaction (one generation for the whole import, a revision per concept
written, the file's transaction history kept as revisions). Every problem is collected with its
line and column; the caller commits only when the report says ``accepted`` and it is not a dry
run, and rolls back otherwise. A dry run does the same work and is rolled back, so its report is
the one the import would give.

Merge policy:

* what an incoming concept matches: ``id`` (its id is an Alinea id ``alinea-<n>`` of an existing
  concept; an Alinea id that is free here is kept for the new concept), ``term:<lang>`` (an
  existing concept has one of its ``<lang>`` terms, same text; ``fr`` takes ``fr-CA``), or
  ``none`` (every incoming concept is new);
* what happens to a match: ``replace`` (what the file carries replaces what the concept has;
  terms that stay keep their ids), ``add`` (new terms are appended and empty fields filled;
  nothing present changes) or ``skip`` (left as it is).

A file changes only what it carries (:func:`carried_fields`): a CSV its columns, TBX-Basic every
field, TBX-Min and TBX-Core the few their dialect has; a status or term type only where the file
gives one. Fields it does not carry are kept, whatever the mode. The terms of a language are
replaced (terms left out removed) only where the file lists them for the concept: a TBX
language section, the rows of a CSV concept (``concept_id``); a glossary's row only adds and
changes terms.

An incoming concept exported before the stored concept's last change is a *conflict* when the
merge would undo that change: the concept has revisions the file was made without (after its
``concept_revision``, CSV, same Alinea id; or, TBX, revisions its transactions lack, made after
the last transaction both share, or after the file's last one if they share none), and the
merge would change a field or term those revisions changed (compared with the state before the
first of them). A concept deleted here since is a conflict too. A conflict is listed and left
alone unless the caller asks to overwrite (``on_conflict="overwrite"``). A merge that changes
nothing, or only what those revisions left alone, is no conflict.

The report lists, per concept, every field and term that changes (or would, in a dry run, or
would have, for a conflict), before and after; and the possible duplicates of the concepts
written (the same main term as another concept), which ``on_duplicate="refuse"`` makes errors.

An incoming concept that matches two concepts, or a concept matched by two incoming ones, is an
error. Concepts created by the import are never match candidates.
"""

from __future__ import annotations

import codecs
import contextlib
import enum
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import String, case, cast, func, select
from sqlalchemy.orm import Session, selectinload

from termbase import collections as collection_service
from termbase import service
from termbase.diff import diff_snapshots
from termbase.errors import InvalidCollection
from termbase.exchange import skos
from termbase.exchange.formats import AUTO, READABLE, ColumnFinder
from termbase.exchange.formats import ImportFormat as ImportFormat  # re-exported
from termbase.exchange.records import (
    IncomingConcept,
    Position,
    Transaction,
    format_datetime,
)
from termbase.exchange.safe_input import CountingReader, ImportRefused
from termbase.exchange.tbx_read import TbxInfo
from termbase.exchange.vocabulary import ORIGINATION, parse_concept_ref
from termbase.fields import TERM_ATTRIBUTES, TERM_DETAILS, term_fields
from termbase.models import Concept, Revision, RevisionAction, Term, utcnow
from termbase.schemas import (
    Change,
    ConceptIn,
    ConceptPatch,
    TermIn,
    TermItem,
    normalize_language_tag,
)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CHUNK = 500
MAX_PROBLEMS = 200
MAX_LISTED = 1000  # concepts listed in each of the report's lists (changes, conflicts, duplicates)
SQLITE_IMPORT_CACHE_KIB = 64 * 1024


class MergeMode(enum.StrEnum):
    REPLACE = "replace"
    ADD = "add"
    SKIP = "skip"


@dataclass(frozen=True)
class MergePolicy:
    match: str = "id"  # "id", "term" or "none"
    lang: str | None = None  # for "term"
    mode: MergeMode = MergeMode.REPLACE

    @classmethod
    def parse(cls, merge: str = "id", mode: str = "replace") -> MergePolicy:
        """``id``, ``none`` or ``term:<lang>``, and ``replace``, ``add`` or ``skip``."""
        merge = merge.strip()
        try:
            merge_mode = MergeMode(mode.strip())
        except ValueError:
            raise ValueError(f"the merge mode must be replace, add or skip, not {mode!r}") from None
        if merge in ("id", "none", "source"):
            return cls(match=merge, mode=merge_mode)
        if merge.startswith("term:"):
            return cls(match="term", lang=normalize_language_tag(merge[5:]), mode=merge_mode)
        raise ValueError(f"the merge policy must be id, source, none or term:<lang>, not {merge!r}")

    def __str__(self) -> str:
        return f"term:{self.lang}" if self.match == "term" else self.match


class OnConflict(enum.StrEnum):
    KEEP = "keep"  # a conflicting concept is listed and left as it is
    OVERWRITE = "overwrite"  # the file wins all the same


class OnDuplicate(enum.StrEnum):
    WARN = "warn"
    REFUSE = "refuse"


@dataclass
class ImportOptions:
    format: str = AUTO  # or a name of formats.READABLE
    policy: MergePolicy = field(default_factory=MergePolicy)
    dry_run: bool = False
    user: str = "anonymous"
    max_bytes: int = DEFAULT_MAX_BYTES
    progress: Callable[[int], None] | None = None
    # Called once each chunk of concepts is written: where a process of its own tunes its garbage
    # collector (`alinea termbase import`, see app.bootstrap.import_collector); never done here.
    after_chunk: Callable[[], None] | None = None
    on_conflict: OnConflict | str = OnConflict.KEEP
    on_duplicate: OnDuplicate | str = OnDuplicate.WARN
    # The collection new concepts go to (created, as a vocabulary, if missing). None: the file's
    # own (the collection a TBX/CSV export names, where it exists here), else the team's; a
    # SKOS vocabulary's, named after its concept scheme.
    collection: str | None = None

    def __post_init__(self) -> None:
        if self.format != AUTO and self.format not in READABLE:
            raise ValueError(
                f"the format is {AUTO} or one of {', '.join(READABLE)}, not {self.format!r}"
            )
        self.on_conflict = OnConflict(self.on_conflict)
        self.on_duplicate = OnDuplicate(self.on_duplicate)


# -- the report -----------------------------------------------------------------------------------


class ImportProblem(BaseModel):
    line: int | None = Field(default=None, description="1-based line in the file, if known.")
    column: int | None = Field(
        default=None,
        description="1-based column: the character of the element's '<' (XML) or the field's "
        "number (CSV/TSV), if known.",
    )
    code: str = Field(description="What kind of problem, e.g. `malformed-xml`, `invalid-value`.")
    message: str
    count: int = Field(default=1, description="How many times it occurred (warnings).")


class ConceptCounts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    conflicts: int = Field(
        default=0, description="Changed here since the file was exported (see `conflicts`)."
    )


class TermCounts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    deleted: int = 0


class ConceptChange(BaseModel):
    """What the import does (or would do) to one concept, field by field and term by term."""

    concept_id: int | None = Field(default=None, description="The concept here.")
    ref: str | None = Field(default=None, description="The file's id for it.")
    line: int | None = None
    action: str = Field(description="`update`, `create` (a deleted concept brought back).")
    changes: list[Change] = Field(default_factory=list)


class ConceptConflict(ConceptChange):
    """An incoming concept older than the concept here."""

    reason: str
    resolution: str = Field(
        description="`kept` (the concept was left as it is) or `overwritten` (on_conflict)."
    )
    stored_revision: int | None = None
    file_revision: int | None = None


class ImportDuplicate(BaseModel):
    """A concept written by the import whose main term is another concept's too."""

    line: int | None = None
    ref: str | None = None
    concept_id: int | None = Field(
        default=None, description="The concept merged into (none for a new concept)."
    )
    lang: str
    term: str = Field(description="Its term.")
    other_concept_id: int
    other_term: str
    reason: str


class ImportReport(BaseModel):
    """What an import did, or would do (dry run), or why it was refused (``errors``)."""

    format: str | None = None
    version: int | None = Field(default=None, description="TBX version (2 or 3).")
    dialect: str | None = Field(default=None, description="TBX dialect, e.g. TBX-Basic.")
    dry_run: bool = False
    merge: str = "id"
    mode: str = "replace"
    accepted: bool = Field(default=False, description="No errors: the import can be committed.")
    committed: bool = Field(default=False, description="The import was written.")
    concepts: ConceptCounts = Field(default_factory=ConceptCounts)
    terms: TermCounts = Field(default_factory=TermCounts)
    transactions: int = Field(default=0, description="History entries kept from the file.")
    on_conflict: str = "keep"
    on_duplicate: str = "warn"
    changes: list[ConceptChange] = Field(
        default_factory=list,
        description="Each concept updated (or to be, in a dry run): what changes, before → after.",
    )
    changes_not_shown: int = 0
    conflicts: list[ConceptConflict] = Field(default_factory=list)
    conflicts_not_shown: int = 0
    possible_duplicates: list[ImportDuplicate] = Field(default_factory=list)
    possible_duplicates_not_shown: int = 0
    errors: list[ImportProblem] = Field(default_factory=list)
    errors_not_shown: int = 0
    warnings: list[ImportProblem] = Field(default_factory=list)
    warnings_not_shown: int = 0
    bytes_read: int = 0
    generation: int | None = Field(default=None, description="Termbase generation written.")
    collection: str | None = Field(
        default=None,
        description="The collection the new concepts go to (none: each the one the file names, "
        "else the team's).",
    )
    collection_created: bool = Field(
        default=False, description="The import creates that collection (a vocabulary's)."
    )

    def first_error(self) -> str:
        if not self.errors:
            return ""
        error = self.errors[0]
        where = ""
        if error.line is not None:
            where = f"line {error.line}" + (f", column {error.column}" if error.column else "")
            where += ": "
        return f"{where}{error.message}"


class _Problems:
    """Errors (each one) and warnings (counted by message) into the report, up to a limit."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.positions: list[tuple[Position, ImportProblem]] = []
        self.warning_index: dict[tuple[str, str], ImportProblem] = {}

    def error(self, position: Position, code: str, message: str) -> None:
        if len(self.report.errors) >= MAX_PROBLEMS:
            self.report.errors_not_shown += 1
            return
        problem = ImportProblem(
            line=position.line, column=position.column, code=code, message=message
        )
        self.report.errors.append(problem)
        self.positions.append((position, problem))

    def warning(self, position: Position, code: str, message: str) -> None:
        known = self.warning_index.get((code, message))
        if known is not None:
            known.count += 1
            return
        if len(self.report.warnings) >= MAX_PROBLEMS:
            self.report.warnings_not_shown += 1
            return
        problem = ImportProblem(
            line=position.line, column=position.column, code=code, message=message
        )
        self.report.warnings.append(problem)
        self.warning_index[(code, message)] = problem
        self.positions.append((position, problem))

    def fill_columns(self, source: BinaryIO, find_columns: ColumnFinder) -> None:
        """Look up the columns of XML positions (known by line and tag) in the file."""
        wanted = [
            (position, problem)
            for position, problem in self.positions
            if problem.column is None and position.tag and position.line
        ]
        if not wanted:
            return
        columns = find_columns(source, [position for position, _ in wanted])
        for (_, problem), column in zip(wanted, columns, strict=True):
            problem.column = column


# -- reading --------------------------------------------------------------------------------------


def sniff_format(head: bytes) -> str:
    """SKOS for Turtle or RDF/XML; TBX if the file starts (after a byte-order mark and blanks)
    with '<', else CSV or TSV."""
    if skos.looks_like_skos(head):
        return "skos"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    elif head.startswith(b"<\x00") or head.startswith(b"\x00<"):
        return "tbx"
    else:
        text = head.decode("utf-8", errors="ignore").removeprefix("\ufeff")
    if text.lstrip().startswith("<"):
        return "tbx"
    first_line = text.split("\n", 1)[0]
    return "tsv" if "\t" in first_line else "csv"


def _concepts(
    reader: CountingReader, options: ImportOptions, report: ImportReport, info: TbxInfo
) -> Iterator[IncomingConcept]:
    chosen = options.format
    if chosen == AUTO:
        chosen = sniff_format(reader.peek(4096))
    report.format = chosen = str(chosen)
    read = READABLE[chosen].read
    assert read is not None
    yield from read(reader, info)


def import_termbase(
    source: BinaryIO, *, session: Session, options: ImportOptions | None = None
) -> ImportReport:
    """Import ``source`` into the session's database; the caller commits if the report is
    ``accepted`` and it is not a dry run, and rolls back otherwise."""
    options = options or ImportOptions()
    report = ImportReport(
        dry_run=options.dry_run,
        merge=str(options.policy),
        mode=options.policy.mode.value,
        on_conflict=str(options.on_conflict),
        on_duplicate=str(options.on_duplicate),
    )
    problems = _Problems(report)
    reader = CountingReader(source, max_bytes=options.max_bytes, progress=options.progress)
    info = TbxInfo()
    info.skos = skos.SkosInfo()
    writer = _Writer(session, options, report, problems, info)
    try:
        incoming = _concepts(reader, options, report, info)
        writer.begin()
        while chunk := list(itertools.islice(incoming, CHUNK)):
            writer.write(chunk)
            del chunk
            if options.after_chunk is not None:
                options.after_chunk()
        writer.finish()
    except ImportRefused as refused:
        problems.error(Position(refused.line, refused.column), refused.code, refused.message)
    finally:
        writer.close()
        report.bytes_read = reader.bytes_read
        report.version = info.version
        report.dialect = info.dialect
        for warning in [*info.warnings, *info.skos.warnings]:
            problems.warning(warning.position, warning.code, warning.message)
        if info.skos.hidden_labels:
            problems.warning(
                Position(),
                "hidden-labels-skipped",
                f"{info.skos.hidden_labels} skos:hiddenLabel skipped (search variants, not terms)",
            )
    find_columns = READABLE[report.format].find_columns if report.format else None
    if find_columns is not None and hasattr(source, "seek"):
        with contextlib.suppress(OSError, ValueError):  # not seekable: columns stay unknown
            problems.fill_columns(source, find_columns)
    report.accepted = not report.errors and not report.errors_not_shown
    if not report.accepted or options.dry_run:
        report.generation = None  # nothing will be written
    return report


# -- writing --------------------------------------------------------------------------------------

_FILLABLE_TERM_FIELDS = TERM_DETAILS
_CONCEPT_FIELDS = service.CONCEPT_FIELDS


def _clean_message(message: str) -> str:
    return message.removeprefix("Value error, ")


@dataclass
class _Valid:
    item: IncomingConcept
    data: ConceptIn
    target: int | None = None  # the existing concept it matched
    keep_id: int | None = None  # the Alinea id it keeps as a new concept
    revision: int = 1  # the revision a new concept starts at
    written: int | None = None  # the concept it created or changed


@dataclass
class _Write:
    """One of a concept's own revisions (an Alinea write), as a conflict check needs it."""

    row_id: int
    generation: int
    number: int | None
    changed_at: datetime
    transaction: Transaction  # how an export shows it


@dataclass
class _Stored:
    """A stored concept's history: as an export gives it, its writes, and the transactions each
    import of a file kept (by generation)."""

    view: list[Transaction] = field(default_factory=list)
    writes: list[_Write] = field(default_factory=list)
    kept: dict[int, set[tuple[Any, ...]]] = field(default_factory=dict)


# How the JSON of a revision that keeps a file's transaction starts (see selection).
_IS_TRANSACTION = cast(Revision.after, String).like('{"transaction":%')


# What each TBX dialect has a data category for, beyond terms and their status and type (which
# a file carries for a term only where it gives them): (concept fields, term fields).
_TBX_CARRIES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "TBX-Basic": (
        frozenset(service.CONCEPT_FIELDS),
        frozenset(TERM_DETAILS),
    ),
    "TBX-Min": (frozenset({"subject_field", "note"}), frozenset({"part_of_speech", "note"})),
    "TBX-Core": (frozenset({"note"}), frozenset({"note"})),
}
_TERM_FIELDS = TERM_ATTRIBUTES


def carried_fields(
    item: IncomingConcept, dialect: str | None
) -> tuple[frozenset[str], list[frozenset[str]]]:
    """The concept fields an incoming concept carries, and the fields each of its terms does.

    CSV: what the reader found columns for. TBX: what the file's dialect has a data category for
    (any other dialect is read as TBX-Basic), plus any field the entry gives all the same; a
    status or term type only where the term gives one (TBX has no empty value for them).
    """
    concept_default, term_default = _TBX_CARRIES.get(dialect or "", _TBX_CARRIES["TBX-Basic"])
    concept = item.carried
    if concept is None:
        concept = concept_default | frozenset(item.fields)
    terms = []
    for term in item.terms:
        if term.carried is not None:
            terms.append(term.carried)
        else:
            present = frozenset(name for name in _TERM_FIELDS if name in term.fields)
            terms.append(term_default | present)
    return concept, terms


def _add_to_note(note: str | None, addition: str | None) -> str | None:
    """The note with ``addition`` after it, unless it holds it already."""
    if not addition or (note and addition in note):
        return note
    return f"{note}\n\n{addition}" if note else addition


class _Writer:
    def __init__(
        self,
        session: Session,
        options: ImportOptions,
        report: ImportReport,
        problems: _Problems,
        info: TbxInfo,
    ) -> None:
        self.session = session
        self.info = info
        self.duplicate_pairs: set[frozenset[int | None]] = set()
        self.options = options
        self.policy = options.policy
        self.report = report
        self.problems = problems
        self.generation = 0
        self.created: set[int] = set()
        self.claimed: dict[int, Position] = {}  # concept id → the entry that matched or kept it
        self.sqlite_cache: int | None = None
        self.last_concept = 0
        self.last_history = 0
        self.collection: str | None = None  # where new concepts go (None: the file says)
        self.collections: set[str] = set()  # the collections there are
        self.collection_ready = False

    @property
    def dialect(self) -> str | None:
        """The TBX dialect the file says it is in (None for CSV: the reader says what it has)."""
        return self.info.dialect

    def begin(self) -> None:
        # Bumping the generation first also makes concurrent imports (and any other write) wait
        # for this one on PostgreSQL: they all update the same row.
        self.generation = service.next_generation(session=self.session)
        self.report.generation = self.generation
        # Ids above these were never used before the import: no need to look them up.
        self.last_concept = self.session.execute(select(func.max(Concept.id))).scalar() or 0
        self.last_history = (
            self.session.execute(select(func.max(Revision.concept_id))).scalar() or 0
        )
        if self.session.get_bind().dialect.name == "sqlite":
            # A larger page cache for this connection while it fills the tables' indexes
            # (100,000 concepts: 9 s → 5 s of inserts); put back afterwards.
            connection = self.session.connection()
            self.sqlite_cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")

    def finish(self) -> None:
        self.session.flush()

    def close(self) -> None:
        if self.sqlite_cache is not None:
            with contextlib.suppress(Exception):
                self.session.connection().exec_driver_sql(
                    f"PRAGMA cache_size={int(self.sqlite_cache)}"
                )

    # -- one chunk ----------------------------------------------------------------------------

    def _choose_collection(self) -> None:
        """Where the new concepts go: the option's collection, or a SKOS vocabulary's own
        (created as a vocabulary if missing); else each concept's (the file's, or the team's).

        Known once the first concepts are read (a SKOS file names its scheme as it is read).
        """
        self.collection_ready = True
        name = self.options.collection
        skos_info = self.info.skos
        if name is None and self.report.format == "skos":
            name = skos_info.collection_name()
        self.collections = {
            c.name for c in collection_service.list_collections(session=self.session)
        }
        if name is None:
            return
        try:
            name = collection_service.check_name(name)
            if name not in self.collections:
                collection_service.create_collection(
                    name,
                    session=self.session,
                    title=skos_info.title if self.options.collection is None else None,
                    source=skos_info.scheme,
                )
                self.report.collection_created = True
                self.collections.add(name)
        except InvalidCollection as exc:
            raise ImportRefused(str(exc), code="invalid-collection") from None
        self.collection = name
        self.report.collection = name

    def write(self, chunk: list[IncomingConcept]) -> None:
        if not self.collection_ready:
            self._choose_collection()
        valid: list[_Valid] = []
        for item in chunk:
            for warning in item.warnings:
                self.problems.warning(warning.position, warning.code, warning.message)
            for problem in item.problems:
                self.problems.error(problem.position, problem.code, problem.message)
            data = self._validate(item)
            if data is not None and not item.problems:
                valid.append(_Valid(item, data))
        self._match(valid)
        creating = [v for v in valid if v.target is None]
        merging = [v for v in valid if v.target is not None]
        self._merge(merging)
        self._create(creating)
        self._duplicates(valid)

    def _validate(self, item: IncomingConcept) -> ConceptIn | None:
        raw = {name: item.fields.get(name) for name in _CONCEPT_FIELDS}
        raw["terms"] = [term.fields for term in item.terms]
        raw["collection"] = self.collection
        named = item.fields.get("collection")
        if self.collection is None and named:
            if named in self.collections:
                raw["collection"] = named
            else:
                self.problems.warning(
                    item.positions.get("collection", item.position),
                    "unknown-collection",
                    f"the collection '{named}' does not exist here: its concepts go to the "
                    "team's (create it first, or import with --collection)",
                )
        if item.fields.get("cross_references"):
            raw["cross_references"] = item.fields["cross_references"]
        try:
            return ConceptIn.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                position, label = self._locate(item, tuple(error.get("loc", ())), error)
                self.problems.error(
                    position, "invalid-concept", f"{label}{_clean_message(error['msg'])}"
                )
            return None

    def _locate(
        self, item: IncomingConcept, loc: tuple[Any, ...], error: Any
    ) -> tuple[Position, str]:
        ref = f"concept {item.ref}: " if item.ref else ""
        terms = loc[:1] == ("terms",) and len(loc) >= 2 and isinstance(loc[1], int)
        if terms and loc[1] < len(item.terms):
            term = item.terms[loc[1]]
            name = str(loc[2]) if len(loc) > 2 else ""
            position = term.positions.get(name) or term.positions.get("text")
            text = term.fields.get("text") or ""
            label = f"{ref}term '{text}' ({term.fields.get('lang') or '?'})"
            label += f" {name}: " if name else ": "
            return position or term.positions[""], label
        if loc and loc[0] in _CONCEPT_FIELDS:
            return item.positions.get(loc[0], item.position), f"{ref}{loc[0]}: "
        if loc == ("terms",):
            return item.position, f"{ref}terms: "
        if not loc:  # a rule across terms: point at the term that breaks it
            message = str(error.get("msg", ""))
            seen_preferred: set[str] = set()
            seen: set[tuple[str, str]] = set()
            for term in item.terms:
                lang = normalize_or_same(term.fields.get("lang") or "")
                text = " ".join(str(term.fields.get("text") or "").split())
                key = (lang, text)
                if "listed twice" in message and key in seen:
                    return term.positions.get("text") or term.positions[""], ref
                seen.add(key)
                if term.fields.get("status") == "preferred":
                    if "preferred" in message and lang in seen_preferred:
                        return term.positions.get("status") or term.positions[""], ref
                    seen_preferred.add(lang)
        return item.position, ref

    # -- matching -----------------------------------------------------------------------------

    def _claim(self, valid: _Valid, concept_id: int, how: str) -> bool:
        first = self.claimed.get(concept_id)
        if first is not None:
            where = f"line {first.line}" if first.line else "another entry"
            self.problems.error(
                valid.item.position,
                "duplicate-match",
                f"{how} concept {concept_id}, as does the entry at {where}",
            )
            return False
        self.claimed[concept_id] = valid.item.position
        return True

    def _match(self, valid: list[_Valid]) -> None:
        if self.policy.match == "id":
            self._match_ids(valid)
        elif self.policy.match == "source":
            self._match_sources(valid)
        elif self.policy.match == "term":
            self._match_terms(valid)

    def _match_ids(self, valid: list[_Valid]) -> None:
        refs = [parse_concept_ref(v.item.ref) for v in valid]
        ids = {c for c in refs if c is not None and c <= self.last_concept}
        existing = (
            set(self.session.execute(select(Concept.id).where(Concept.id.in_(ids))).scalars())
            if ids
            else set()
        )
        refused: list[_Valid] = []
        for item, concept_id in zip(valid, refs, strict=True):
            if concept_id is None:
                continue
            if concept_id in self.created and concept_id not in self.claimed:
                # a concept this import created (for an entry without an Alinea id) took it
                self.problems.warning(
                    item.item.position,
                    "new-id",
                    "an Alinea id already given to a concept created by this import: the "
                    "concept gets a new id",
                )
                continue
            if concept_id in existing and concept_id not in self.created:
                if self._claim(item, concept_id, "it matches"):
                    item.target = concept_id
                else:
                    refused.append(item)
            elif self._claim(item, concept_id, "it has the id of"):
                item.keep_id = concept_id
            else:
                refused.append(item)
        for item in refused:  # duplicates: reported, not written
            valid.remove(item)

    def _match_sources(self, valid: list[_Valid]) -> None:
        """An incoming concept matches the concept with the same source (a vocabulary's URI)
        in the collection the import writes to: re-importing a vocabulary updates it."""
        wanted = {v.data.source for v in valid if v.data.source}
        owners: dict[str, set[int]] = {}
        if wanted:
            query = select(Concept.id, Concept.source).where(Concept.source.in_(wanted))
            if self.collection is not None:
                query = query.where(
                    Concept.collection_id
                    == service.collection_id(self.collection, session=self.session)
                )
            for concept_id, source in self.session.execute(query):
                if concept_id not in self.created and source is not None:
                    owners.setdefault(source, set()).add(concept_id)
        refused: list[_Valid] = []
        for v in valid:
            candidates = owners.get(v.data.source or "", set())
            if len(candidates) > 1:
                listed = ", ".join(str(c) for c in sorted(candidates))
                self.problems.error(
                    v.item.position,
                    "ambiguous-match",
                    f"its source {v.data.source} is the source of more than one concept ({listed})",
                )
                refused.append(v)
            elif candidates:
                concept_id = next(iter(candidates))
                if self._claim(v, concept_id, "its source matches"):
                    v.target = concept_id
                else:
                    refused.append(v)
        for v in refused:
            valid.remove(v)

    def _match_terms(self, valid: list[_Valid]) -> None:
        lang = self.policy.lang or ""

        def keys(v: _Valid) -> set[tuple[str, str]]:
            return {
                (t.lang, t.text)
                for t in v.data.terms
                if t.lang == lang or t.lang.startswith(f"{lang}-")
            }

        wanted = set().union(*(keys(v) for v in valid)) if valid else set()
        owners: dict[tuple[str, str], set[int]] = {}
        if wanted:
            langs = {k[0] for k in wanted}
            texts = {k[1] for k in wanted}
            rows = self.session.execute(
                select(Term.concept_id, Term.lang, Term.text).where(
                    Term.lang.in_(langs), Term.text.in_(texts)
                )
            )
            for concept_id, term_lang, text in rows:
                if (term_lang, text) in wanted and concept_id not in self.created:
                    owners.setdefault((term_lang, text), set()).add(concept_id)
        refused: list[_Valid] = []
        for v in valid:
            candidates = set().union(*(owners.get(k, set()) for k in keys(v)))
            if len(candidates) > 1:
                listed = ", ".join(str(c) for c in sorted(candidates))
                self.problems.error(
                    v.item.position,
                    "ambiguous-match",
                    f"its {lang} terms are in more than one concept ({listed}); "
                    "merge by id or fix the terms",
                )
                refused.append(v)
            elif candidates:
                concept_id = candidates.pop()
                if self._claim(v, concept_id, "its terms match"):
                    v.target = concept_id
                else:
                    refused.append(v)
        for v in refused:
            valid.remove(v)

    # -- history ------------------------------------------------------------------------------

    def _stored_history(self, concept_ids: Iterable[int]) -> dict[int, _Stored]:
        """Each concept's history: as an export gives it, and its own (Alinea) writes."""
        stored: dict[int, _Stored] = {}
        ids = list(concept_ids)
        for start in range(0, len(ids), CHUNK):
            rows = self.session.execute(
                select(
                    Revision.id,
                    Revision.concept_id,
                    Revision.generation,
                    Revision.action,
                    Revision.changed_at,
                    Revision.changed_by,
                    Revision.number,
                    _IS_TRANSACTION.label("is_transaction"),
                    case((_IS_TRANSACTION, Revision.after), else_=None).label("after"),
                )
                .where(Revision.concept_id.in_(ids[start : start + CHUNK]))
                .order_by(Revision.concept_id, Revision.id)
            ).all()
            for row in rows:
                entry = stored.setdefault(row.concept_id, _Stored())
                if row.is_transaction and isinstance(row.after, dict):
                    transaction = Transaction.from_revision(row.after)
                    entry.view.append(transaction)
                    entry.kept.setdefault(row.generation, set()).add(transaction.key())
                else:
                    write = _Write(
                        row.id,
                        row.generation,
                        row.number,
                        row.changed_at,
                        Transaction.of_write(row.action, row.changed_at, row.changed_by),
                    )
                    entry.writes.append(write)
                    entry.view.append(write.transaction)
        for entry in stored.values():
            # the import that brought a concept's history is not part of it (as in an export)
            hidden = [w.transaction for w in entry.writes if w.generation in entry.kept]
            if hidden:
                entry.view = [t for t in entry.view if not any(t is h for h in hidden)]
        return stored

    def _new_history(
        self, history: list[Transaction], stored: _Stored | None
    ) -> list[service.HistoryEntry]:
        known = Counter(t.key() for t in (stored.view if stored else ()))
        entries: list[service.HistoryEntry] = []
        for transaction in history:
            if known:
                key = transaction.key()
                if known.get(key):
                    known[key] -= 1
                    continue
            entries.append(
                service.HistoryEntry(
                    action=RevisionAction.CREATE
                    if transaction.type == ORIGINATION
                    else RevisionAction.UPDATE,
                    changed_at=transaction.moment() or utcnow(),
                    changed_by=(transaction.responsibility or "unknown")[:200],
                    after=transaction.to_revision(),
                )
            )
        return entries

    # -- conflicts ----------------------------------------------------------------------------

    def _unknown_writes(self, v: _Valid, concept: Concept, stored: _Stored) -> list[_Write]:
        """The concept's own changes the incoming one was made without: after the revision the
        file says it has (same Alinea id), or unknown to the file's history and later than it."""
        item = v.item
        if item.revision is not None and parse_concept_ref(item.ref) == concept.id:
            return [w for w in stored.writes if w.number is not None and w.number > item.revision]
        if not item.history:
            return []  # nothing says when the file's version is from
        incoming = {t.key() for t in item.history}
        shared = [m for t in stored.view if t.key() in incoming and (m := t.moment())]
        mine = [m for t in item.history if (m := t.moment())]
        base = max(shared) if shared else max(mine, default=None)
        if base is None:
            return []
        unknown = []
        for write in stored.writes:
            if write.generation in stored.kept:  # an import that brought a file's history
                known = stored.kept[write.generation] <= incoming
            else:
                known = write.transaction.key() in incoming
            if not known and write.changed_at > base:
                unknown.append(write)
        return unknown

    def _conflict(
        self,
        v: _Valid,
        concept: Concept,
        stored: _Stored,
        before: dict[str, Any],
        wanted: dict[str, Any],
    ) -> str | None:
        """Why merging the incoming concept would undo a change made here since the file's
        version of it (None: it would not). A change here that the merge leaves as it is (the
        file says the same) is no conflict: only what both changed is."""
        unknown = self._unknown_writes(v, concept, stored)
        if not unknown:
            return None
        first = min(unknown, key=lambda w: w.row_id)
        base = self.session.execute(
            select(Revision.before).where(Revision.id == first.row_id)
        ).scalar_one_or_none()
        since = diff_snapshots(base, before)
        would = diff_snapshots(before, wanted)
        both = _addresses(since) & _addresses(would)
        both |= {a for a in _addresses(would) if (a[0], a[1], "*") in _addresses(since)}
        both |= {a for a in _addresses(since) if (a[0], a[1], "*") in _addresses(would)}
        if not both:
            return None
        latest = max(unknown, key=lambda w: w.row_id).transaction
        what = ", ".join(sorted(_describe(a) for a in both))
        file_version = (
            f"revision {v.item.revision}"
            if v.item.revision is not None and parse_concept_ref(v.item.ref) == concept.id
            else "the file's version"
        )
        return (
            f"concept {concept.id} was changed here since {file_version} (revision "
            f"{concept.revision} now; last{_by(latest)}); the file would undo the change to "
            f"{what}"
        )

    def _deleted_here(self, ids: list[int]) -> dict[int, Revision]:
        """The deletion of each of these free ids that a concept had (and lost) here."""
        found: dict[int, Revision] = {}
        if not ids:
            return found
        rows = self.session.execute(
            select(Revision)
            .where(Revision.concept_id.in_(ids), Revision.number.is_not(None))
            .order_by(Revision.concept_id, Revision.id)
        ).scalars()
        for row in rows:
            found[row.concept_id] = row  # the last one wins
        return {c: r for c, r in found.items() if r.action == RevisionAction.DELETE.value}

    def _list_conflict(
        self,
        v: _Valid,
        concept_id: int,
        reason: str,
        changes: list[Change],
        *,
        stored_revision: int | None,
        file_revision: int | None,
        action: str = "update",
    ) -> bool:
        """Report a conflict; True if the import goes ahead all the same (on_conflict)."""
        overwrite = self.options.on_conflict is OnConflict.OVERWRITE
        self.report.concepts.conflicts += 1
        if len(self.report.conflicts) >= MAX_LISTED:
            self.report.conflicts_not_shown += 1
        else:
            self.report.conflicts.append(
                ConceptConflict(
                    concept_id=concept_id,
                    ref=v.item.ref,
                    line=v.item.position.line,
                    action=action,
                    changes=changes,
                    reason=reason,
                    resolution="overwritten" if overwrite else "kept",
                    stored_revision=stored_revision,
                    file_revision=file_revision,
                )
            )
        if not overwrite:
            self.report.terms.skipped += len(v.data.terms)
        return overwrite

    def _list_change(self, v: _Valid, concept_id: int, changes: list[Change], action: str) -> None:
        # a new term's id is not in the report: a dry run cannot promise the one it would get
        changes = [
            c.model_copy(update={"term_id": None})
            if c.field == "term" and c.change == "added"
            else c
            for c in changes
        ]
        if len(self.report.changes) >= MAX_LISTED:
            self.report.changes_not_shown += 1
            return
        self.report.changes.append(
            ConceptChange(
                concept_id=concept_id,
                ref=v.item.ref,
                line=v.item.position.line,
                action=action,
                changes=changes,
            )
        )

    # -- creating -----------------------------------------------------------------------------

    def _create(self, creating: list[_Valid]) -> None:
        if not creating:
            return
        # a kept id may have been a concept's, deleted since: a conflict, unless overwritten
        reused = [v.keep_id for v in creating if v.keep_id and v.keep_id <= self.last_history]
        deleted = self._deleted_here([i for i in reused if i is not None])
        known = self._stored_history(reused) if reused else {}
        going: list[_Valid] = []
        for v in creating:
            deletion = deleted.get(v.keep_id or 0)
            if deletion is not None:
                reason = (
                    f"concept {v.keep_id} was deleted here{_by_revision(deletion)}; the file "
                    "would bring it back"
                )
                changes = _diff_new(v.data)
                if not self._list_conflict(
                    v,
                    deletion.concept_id,
                    reason,
                    changes,
                    stored_revision=deletion.number,
                    file_revision=v.item.revision,
                    action="create",
                ):
                    continue
                v.revision = (deletion.number or 0) + 1
            elif v.keep_id is not None and v.item.revision:
                v.revision = v.item.revision  # the same concept, restored: its revision goes on
            going.append(v)
        items: list[service.NewConcept] = []
        for v in going:
            history = self._new_history(v.item.history, known.get(v.keep_id or 0))
            origins = [
                e.changed_at
                for e, t in zip(history, v.item.history, strict=False)
                if t.level == "concept" and t.type == ORIGINATION
            ]
            items.append(
                service.NewConcept(
                    data=v.data,
                    concept_id=v.keep_id,
                    created_at=min(origins) if origins else None,
                    history=history,
                    revision=v.revision,
                )
            )
            self.report.transactions += len(history)
            self.report.terms.created += len(v.data.terms)
        ids = service.create_concepts(
            items, session=self.session, user=self.options.user, generation=self.generation
        )
        for v, concept_id in zip(going, ids, strict=True):
            v.written = concept_id
        self.created.update(ids)
        self.report.concepts.created += len(ids)

    # -- merging ------------------------------------------------------------------------------

    def _merge(self, merging: list[_Valid]) -> None:
        if not merging:
            return
        if self.policy.mode is MergeMode.SKIP:
            for v in merging:
                self.report.concepts.skipped += 1
                self.report.terms.skipped += len(v.data.terms)
            return
        ids = [v.target for v in merging if v.target is not None]
        existing = {
            concept.id: concept
            for concept in self.session.execute(
                select(Concept).where(Concept.id.in_(ids)).options(selectinload(Concept.terms))
            ).scalars()
        }
        stored_history = self._stored_history(ids)
        revisions: list[dict[str, Any]] = []
        for v in merging:
            concept = existing[v.target]  # type: ignore[index]
            stored = stored_history.get(concept.id) or _Stored()
            merged = self._merged(concept, v)
            if merged is False:  # refused (reported)
                continue
            before = service.snapshot(concept)
            if merged is not None:
                wanted = _state(merged)
                reason = self._conflict(v, concept, stored, before, wanted)
                if reason is not None and not self._list_conflict(
                    v,
                    concept.id,
                    reason,
                    diff_snapshots(before, wanted),
                    stored_revision=concept.revision,
                    file_revision=v.item.revision,
                ):
                    continue
            history = self._new_history(v.item.history, stored)
            changes: list[Change] = []
            if merged is not None:
                service.update_concept(
                    concept.id,
                    merged,
                    session=self.session,
                    user=self.options.user,
                    generation=self.generation,
                )
                changes = diff_snapshots(before, service.snapshot(concept))
            if changes:
                self._list_change(v, concept.id, changes, "update")
                self._count_terms(v, changes)
                v.written = concept.id
            else:
                merged = None
                self.report.terms.unchanged += len(v.data.terms)
            revisions.extend(
                service.history_entry_rows(concept.id, history, generation=self.generation)
            )
            self.report.transactions += len(history)
            if merged is not None or history:
                self.report.concepts.updated += 1
            else:
                self.report.concepts.unchanged += 1
        service.record_revisions(revisions, session=self.session)

    def _count_terms(self, v: _Valid, changes: list[Change]) -> None:
        terms = self.report.terms
        added = {(c.lang, c.term) for c in changes if c.field == "term" and c.change == "added"}
        changed = {(c.lang, c.term) for c in changes if c.field != "term" and c.term_id}
        terms.deleted += sum(1 for c in changes if c.field == "term" and c.change == "removed")
        for term in v.data.terms:
            key = (term.lang, term.text)
            if key in added:
                terms.created += 1
            elif key in changed:
                terms.updated += 1
            else:
                terms.unchanged += 1

    def _merged(self, concept: Concept, v: _Valid) -> ConceptPatch | Literal[False] | None:
        """The concept once the incoming one is merged into it (None: no change; False: the
        result breaks a rule, reported)."""
        data = v.data
        replace = self.policy.mode is MergeMode.REPLACE
        concept_carried, term_carried = carried_fields(v.item, self.dialect)
        fields = {name: getattr(concept, name) for name in _CONCEPT_FIELDS}
        for name in concept_carried & set(_CONCEPT_FIELDS):
            if name == "note" and v.item.note_is_addition:
                continue
            incoming = getattr(data, name)
            if replace or fields[name] is None:
                fields[name] = incoming if replace else (fields[name] or incoming)
        if v.item.note_is_addition:
            fields["note"] = _add_to_note(fields["note"], data.note)
        incoming_terms = {
            (t.lang, t.text): (t, carried)
            for t, carried in zip(data.terms, term_carried, strict=True)
        }
        listed = {t.lang for t in data.terms} if replace and v.item.lists_terms else set()
        terms: list[TermItem] = []
        for stored in concept.terms:
            current = service.term_item(stored)
            match = incoming_terms.get((stored.lang, stored.text))
            if match is None:
                if stored.lang not in listed:
                    terms.append(current)  # a language (or a term) the file says nothing of
                continue
            new, carried = match
            update = {}
            for name in carried:
                value = getattr(new, name)
                if replace or (name in _FILLABLE_TERM_FIELDS and getattr(current, name) is None):
                    update[name] = value
            terms.append(current.model_copy(update=update))
        stored_keys = {(t.lang, t.text) for t in concept.terms}
        for term in data.terms:
            if (term.lang, term.text) not in stored_keys:
                terms.append(TermItem.model_validate(term.model_dump()))
        unchanged_fields = all(getattr(concept, n) == fields[n] for n in _CONCEPT_FIELDS)
        if unchanged_fields and terms == [service.term_item(t) for t in concept.terms]:
            return None
        try:
            return ConceptPatch.model_validate({**fields, "terms": [t.model_dump() for t in terms]})
        except ValidationError as exc:
            first = exc.errors()[0]
            self.problems.error(
                v.item.position,
                "invalid-merge",
                f"merged into concept {concept.id} ({self.policy.mode.value}): "
                f"{_clean_message(first['msg'])}",
            )
            return False

    # -- possible duplicates ------------------------------------------------------------------

    def _duplicates(self, written: list[_Valid]) -> None:
        concepts: dict[int | None, list[tuple[str, str, str]]] = {
            v.written: [(t.lang, t.text, t.status.value) for t in v.data.terms]
            for v in written
            if v.written is not None
        }
        if not concepts:
            return
        # a merged concept's terms are its own once merged: read them back
        merged = [v.written for v in written if v.written is not None and v.target is not None]
        if merged:
            rows = self.session.execute(
                select(Term.concept_id, Term.lang, Term.text, Term.status)
                .where(Term.concept_id.in_(merged))
                .order_by(Term.concept_id, Term.position, Term.id)
            )
            for concept_id in merged:
                concepts[concept_id] = []
            for row in rows:
                concepts[row.concept_id].append((row.lang, row.text, row.status))
        found = service.find_possible_duplicates(concepts, session=self.session)
        refuse = self.options.on_duplicate is OnDuplicate.REFUSE
        for v in written:
            for duplicate in found.get(v.written, ()):
                pair = frozenset((v.written, duplicate.concept_id))
                if pair in self.duplicate_pairs:
                    continue  # the other one of the pair was listed already
                self.duplicate_pairs.add(pair)
                if refuse:
                    self.problems.error(
                        v.item.position,
                        "possible-duplicate",
                        f"the {duplicate.lang} term '{duplicate.matches}' is the main term of "
                        f"concept {duplicate.concept_id} too ('{duplicate.term}')",
                    )
                elif len(self.report.possible_duplicates) >= MAX_LISTED:
                    self.report.possible_duplicates_not_shown += 1
                else:
                    self.report.possible_duplicates.append(
                        ImportDuplicate(
                            line=v.item.position.line,
                            ref=v.item.ref,
                            # a new concept's id is not given: a dry run cannot promise it
                            concept_id=v.target,
                            lang=duplicate.lang,
                            term=duplicate.matches,
                            other_concept_id=duplicate.concept_id,
                            other_term=duplicate.term,
                            reason=duplicate.reason,
                        )
                    )


def _addresses(changes: list[Change]) -> set[tuple[str, str, str]]:
    """What each change touches: ("", "", field) for the concept's fields, (lang, text, field)
    for a term's, (lang, text, "*") for a whole term added or removed."""
    found: set[tuple[str, str, str]] = set()
    for change in changes:
        if change.term is None:
            found.add(("", "", change.field))
            continue
        lang = change.lang or ""
        field_name = "*" if change.field == "term" else change.field
        found.add((lang, change.term, field_name))
        if change.field == "text" and change.before:
            found.add((lang, str(change.before), "*"))
        if change.field == "lang" and change.before:
            found.add((str(change.before), change.term, "*"))
    return found


def _describe(address: tuple[str, str, str]) -> str:
    lang, text, name = address
    if not text:
        return name
    return f"the {lang} term '{text}'" + ("" if name == "*" else f" ({name})")


def _by(transaction: Transaction | None) -> str:
    if transaction is None:
        return ""
    moment = transaction.moment()
    who = f" by {transaction.responsibility}" if transaction.responsibility else ""
    return (f" on {format_datetime(moment)}" if moment else "") + who


def _by_revision(revision: Revision) -> str:
    return f" on {format_datetime(revision.changed_at)} by {revision.changed_by}"


def _state(patch: ConceptPatch) -> dict[str, Any]:
    """A patch's result as a snapshot (new terms without ids), to compare with the stored one."""
    return {
        **{name: getattr(patch, name) for name in _CONCEPT_FIELDS},
        "terms": [{**t.model_dump(mode="json"), "id": t.id} for t in patch.terms or ()],
    }


def _diff_new(data: ConceptIn) -> list[Change]:
    """Everything a new concept would bring."""
    after = {
        **{name: getattr(data, name) for name in _CONCEPT_FIELDS},
        "terms": [t.model_dump(mode="json") for t in data.terms],
    }
    return diff_snapshots(None, after)


def _term_in(term: Term) -> TermIn:
    return TermIn.model_validate(term_fields(term))


def normalize_or_same(tag: str) -> str:
    try:
        return normalize_language_tag(tag)
    except ValueError:
        return tag
