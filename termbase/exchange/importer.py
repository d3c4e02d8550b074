"""Importing a termbase file (TBX v3, TBX v2, CSV, TSV): all of it or none of it.

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
* what happens to a match: ``replace`` (the concept becomes the incoming one: fields, terms; terms
  that stay keep their ids), ``add`` (new terms are appended and empty fields filled; nothing
  present changes) or ``skip`` (left as it is).

An incoming concept that matches two concepts, or a concept matched by two incoming ones, is an
error. Concepts created by the import are never match candidates.
"""

from __future__ import annotations

import codecs
import contextlib
import enum
import gc
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from termbase import service
from termbase.exchange import csv_io
from termbase.exchange.records import (
    IncomingConcept,
    Position,
    Transaction,
)
from termbase.exchange.safe_input import CountingReader, ImportRefused
from termbase.exchange.selection import transaction_rows
from termbase.exchange.tbx_read import TbxInfo, fill_columns, read_tbx
from termbase.exchange.vocabulary import ORIGINATION, parse_concept_ref
from termbase.models import Concept, Revision, RevisionAction, Term, utcnow
from termbase.schemas import ConceptIn, ConceptPatch, TermIn, normalize_language_tag

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CHUNK = 500
MAX_PROBLEMS = 200
SQLITE_IMPORT_CACHE_KIB = 64 * 1024


class ImportFormat(enum.StrEnum):
    AUTO = "auto"
    TBX = "tbx"  # v3 or v2, told apart by the root element
    CSV = "csv"
    TSV = "tsv"


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
        if merge in ("id", "none"):
            return cls(match=merge, mode=merge_mode)
        if merge.startswith("term:"):
            return cls(match="term", lang=normalize_language_tag(merge[5:]), mode=merge_mode)
        raise ValueError(f"the merge policy must be id, none or term:<lang>, not {merge!r}")

    def __str__(self) -> str:
        return f"term:{self.lang}" if self.match == "term" else self.match


@dataclass
class ImportOptions:
    format: ImportFormat = ImportFormat.AUTO
    policy: MergePolicy = field(default_factory=MergePolicy)
    dry_run: bool = False
    user: str = "anonymous"
    max_bytes: int = DEFAULT_MAX_BYTES
    progress: Callable[[int], None] | None = None


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


class TermCounts(ConceptCounts):
    deleted: int = 0


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
    errors: list[ImportProblem] = Field(default_factory=list)
    errors_not_shown: int = 0
    warnings: list[ImportProblem] = Field(default_factory=list)
    warnings_not_shown: int = 0
    bytes_read: int = 0
    generation: int | None = Field(default=None, description="Termbase generation written.")

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

    def fill_columns(self, source: BinaryIO) -> None:
        """Look up the columns of XML positions (known by line and tag) in the file."""
        wanted = [
            (position, problem)
            for position, problem in self.positions
            if problem.column is None and position.tag and position.line
        ]
        if not wanted:
            return
        columns = fill_columns(source, [position for position, _ in wanted])
        for (_, problem), column in zip(wanted, columns, strict=True):
            problem.column = column


# -- reading --------------------------------------------------------------------------------------


def sniff_format(head: bytes) -> ImportFormat:
    """TBX if the file starts (after a byte-order mark and blanks) with '<', else CSV or TSV."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    elif head.startswith(b"<\x00") or head.startswith(b"\x00<"):
        return ImportFormat.TBX
    else:
        text = head.decode("utf-8", errors="ignore").removeprefix("\ufeff")
    if text.lstrip().startswith("<"):
        return ImportFormat.TBX
    first_line = text.split("\n", 1)[0]
    return ImportFormat.TSV if "\t" in first_line else ImportFormat.CSV


def _concepts(
    reader: CountingReader, options: ImportOptions, report: ImportReport, info: TbxInfo
) -> Iterator[IncomingConcept]:
    chosen = options.format
    if chosen is ImportFormat.AUTO:
        chosen = sniff_format(reader.peek(4096))
    report.format = chosen.value
    if chosen is ImportFormat.TBX:
        yield from read_tbx(reader, info)
    else:
        yield from csv_io.read_csv(reader, tab=chosen is ImportFormat.TSV, warnings=info.warnings)


def _young_collection() -> None:
    """Collect the objects of the chunk just written, and only them.

    An import allocates millions of short-lived objects; left to itself the garbage collector
    runs full collections over every object of the process all along (a quarter of the time of
    a 100,000-concept import). Automatic collection is off during the import and each chunk
    ends with a collection of the young generations.
    """
    gc.collect(1)


def import_termbase(
    source: BinaryIO, *, session: Session, options: ImportOptions | None = None
) -> ImportReport:
    """Import ``source`` into the session's database; the caller commits if the report is
    ``accepted`` and it is not a dry run, and rolls back otherwise."""
    options = options or ImportOptions()
    report = ImportReport(
        dry_run=options.dry_run, merge=str(options.policy), mode=options.policy.mode.value
    )
    problems = _Problems(report)
    reader = CountingReader(source, max_bytes=options.max_bytes, progress=options.progress)
    info = TbxInfo()
    writer = _Writer(session, options, report, problems)
    collecting = gc.isenabled()
    gc.disable()  # see _young_collection
    try:
        incoming = _concepts(reader, options, report, info)
        writer.begin()
        while chunk := list(itertools.islice(incoming, CHUNK)):
            writer.write(chunk)
            del chunk
            _young_collection()
        writer.finish()
    except ImportRefused as refused:
        problems.error(Position(refused.line, refused.column), refused.code, refused.message)
    finally:
        if collecting:
            gc.enable()
        writer.close()
        report.bytes_read = reader.bytes_read
        report.version = info.version
        report.dialect = info.dialect
        for warning in info.warnings:
            problems.warning(warning.position, warning.code, warning.message)
    if report.format == ImportFormat.TBX.value and hasattr(source, "seek"):
        with contextlib.suppress(OSError, ValueError):  # not seekable: columns stay unknown
            problems.fill_columns(source)
    report.accepted = not report.errors and not report.errors_not_shown
    if not report.accepted or options.dry_run:
        report.generation = None  # nothing will be written
    return report


# -- writing --------------------------------------------------------------------------------------

_FILLABLE_TERM_FIELDS = ("part_of_speech", "context", "source", "note")
_CONCEPT_FIELDS = service.CONCEPT_FIELDS


def _clean_message(message: str) -> str:
    return message.removeprefix("Value error, ")


@dataclass
class _Valid:
    item: IncomingConcept
    data: ConceptIn
    target: int | None = None  # the existing concept it matched
    keep_id: int | None = None  # the Alinea id it keeps as a new concept


class _Writer:
    def __init__(
        self, session: Session, options: ImportOptions, report: ImportReport, problems: _Problems
    ) -> None:
        self.session = session
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

    def write(self, chunk: list[IncomingConcept]) -> None:
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

    def _validate(self, item: IncomingConcept) -> ConceptIn | None:
        raw = {name: item.fields.get(name) for name in _CONCEPT_FIELDS}
        raw["terms"] = [term.fields for term in item.terms]
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

    def _history_keys(self, concept_ids: Iterable[int]) -> dict[int, Counter[tuple[Any, ...]]]:
        keys: dict[int, Counter[tuple[Any, ...]]] = {}
        ids = list(concept_ids)
        if not ids:
            return keys
        for concept_id, transaction in transaction_rows(self.session, ids):
            keys.setdefault(concept_id, Counter())[transaction.key()] += 1
        return keys

    def _new_history(
        self, history: list[Transaction], known: Counter[tuple[Any, ...]] | None
    ) -> list[service.HistoryEntry]:
        known = Counter(known or {})
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

    # -- creating -----------------------------------------------------------------------------

    def _create(self, creating: list[_Valid]) -> None:
        if not creating:
            return
        # a kept id may have the history of a deleted concept
        known = self._history_keys(
            v.keep_id for v in creating if v.keep_id is not None and v.keep_id <= self.last_history
        )
        items: list[service.NewConcept] = []
        for v in creating:
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
                )
            )
            self.report.transactions += len(history)
            self.report.terms.created += len(v.data.terms)
        ids = service.create_concepts(
            items, session=self.session, user=self.options.user, generation=self.generation
        )
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
        known = self._history_keys(ids)
        revisions: list[dict[str, Any]] = []
        for v in merging:
            concept = existing[v.target]  # type: ignore[index]
            patch, term_counts = self._patch(concept, v)
            if patch is False:  # refused (reported)
                continue
            history = self._new_history(v.item.history, known.get(concept.id))
            if patch is not None:
                service.update_concept(
                    concept.id,
                    patch,
                    session=self.session,
                    user=self.options.user,
                    generation=self.generation,
                )
            revisions.extend(
                service.history_entry_rows(concept.id, history, generation=self.generation)
            )
            self.report.transactions += len(history)
            for name, count in term_counts.items():
                setattr(self.report.terms, name, getattr(self.report.terms, name) + count)
            if patch is not None or history:
                self.report.concepts.updated += 1
            else:
                self.report.concepts.unchanged += 1
        service.record_revisions(revisions, session=self.session)

    def _patch(self, concept: Concept, v: _Valid) -> tuple[Any, Counter[str]]:
        """The change to make (None: none; False: refused) and the terms' counts."""
        counts: Counter[str] = Counter()
        data = v.data
        existing = {(t.lang, t.text): t for t in concept.terms}
        if self.policy.mode is MergeMode.REPLACE:
            fields = {name: getattr(data, name) for name in _CONCEPT_FIELDS}
            terms = list(data.terms)
            for term in terms:
                old = existing.get((term.lang, term.text))
                if old is None:
                    counts["created"] += 1
                elif _term_in(old) == term:
                    counts["unchanged"] += 1
                else:
                    counts["updated"] += 1
            incoming = {(t.lang, t.text) for t in terms}
            counts["deleted"] += sum(1 for key in existing if key not in incoming)
        else:  # ADD
            fields = {
                name: getattr(concept, name)
                if getattr(concept, name) is not None
                else getattr(data, name)
                for name in _CONCEPT_FIELDS
            }
            terms = []
            for old in concept.terms:
                current = _term_in(old)
                new = next(
                    (t for t in data.terms if (t.lang, t.text) == (old.lang, old.text)), None
                )
                if new is not None:
                    filled = {
                        name: getattr(new, name)
                        for name in _FILLABLE_TERM_FIELDS
                        if getattr(current, name) is None and getattr(new, name) is not None
                    }
                    if filled:
                        current = current.model_copy(update=filled)
                        counts["updated"] += 1
                    else:
                        counts["unchanged"] += 1
                terms.append(current)
            for term in data.terms:
                if (term.lang, term.text) not in existing:
                    terms.append(term)
                    counts["created"] += 1
        unchanged_fields = all(getattr(concept, name) == fields[name] for name in _CONCEPT_FIELDS)
        if unchanged_fields and not (counts["created"] or counts["updated"] or counts["deleted"]):
            return None, counts
        try:
            patch = ConceptPatch.model_validate(
                {**fields, "terms": [t.model_dump() for t in terms]}
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            self.problems.error(
                v.item.position,
                "invalid-merge",
                f"merged into concept {concept.id} ({self.policy.mode.value}): "
                f"{_clean_message(first['msg'])}",
            )
            return False, counts
        return patch, counts


def _term_in(term: Term) -> TermIn:
    return TermIn.model_validate(
        {
            "lang": term.lang,
            "text": term.text,
            "status": term.status,
            "type": term.term_type,
            "part_of_speech": term.part_of_speech,
            "context": term.context,
            "source": term.source,
            "note": term.note,
        }
    )


def normalize_or_same(tag: str) -> str:
    try:
        return normalize_language_tag(tag)
    except ValueError:
        return tag
