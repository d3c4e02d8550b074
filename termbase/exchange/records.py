"""What the exchange formats carry, independent of any one format.

An export reads the termbase into :class:`ExportConcept` records (fields, terms, history as
:class:`Transaction`\\s); each writer turns them into its format. An import reads a file into
:class:`IncomingConcept` records with the position of everything in the file, so that every
problem can be reported at its line and column.

Transactions from a file (TBX ``transacGrp``: origination or modification, date, responsibility,
at the concept, language or term level) are kept as revisions of their concept, so that an
export → import → export gives the same history back. Such a revision holds
``{"transaction": {...}}`` as its ``after`` (see :meth:`Transaction.to_revision`); an Alinea write
holds the concept's snapshot there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from termbase.exchange.vocabulary import MODIFICATION, ORIGINATION

TRANSACTION_KEY = "transaction"
LEVELS = ("concept", "language", "term")


# -- dates ----------------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$")
_DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def format_datetime(when: datetime) -> str:
    """An xsd:dateTime in UTC: ``2026-11-28T15:32:01Z`` (microseconds when there are some)."""
    when = when.astimezone(UTC) if when.tzinfo else when
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    if when.microsecond:
        text += f".{when.microsecond:06d}"
    return text + "Z"


def parse_date(raw: str) -> tuple[str, datetime] | None:
    """A TBX ``date`` as (its xsd:date / xsd:dateTime spelling, the moment in UTC), or None.

    Tools write ``2010-04-17``, ``2010-04-17T10:20:30``, ``2010-04-17 10:20:30`` or with a zone;
    the spelling returned is valid xsd (a space becomes ``T``, missing seconds are added), and a
    moment without a zone is taken as UTC.
    """
    raw = raw.strip()
    match = _DATE.match(raw)
    try:
        if match:
            day = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
            return raw, day
        match = _DATE_TIME.match(raw)
        if not match:
            return None
        date, minutes, seconds, zone = match.groups()
        seconds = seconds or ":00"
        if zone and zone != "Z" and ":" not in zone:
            zone = f"{zone[:3]}:{zone[3:]}"
        spelling = f"{date}T{minutes}{seconds}{zone or ''}"
        fraction = re.search(r"\.(\d+)", seconds)
        parseable = spelling
        if fraction and len(fraction.group(1)) > 6:  # Python keeps microseconds only
            parseable = spelling.replace(fraction.group(1), fraction.group(1)[:6])
        moment = datetime.fromisoformat(parseable.replace("Z", "+00:00"))
    except ValueError:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return spelling, moment


# -- transactions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transaction:
    """One TBX transaction: who did what to a concept, a language section or a term, and when."""

    type: str  # ORIGINATION or MODIFICATION
    date: str | None = None  # xsd:date or xsd:dateTime as written
    responsibility: str | None = None
    level: str = "concept"
    lang: str | None = None  # the language section, for the language and term levels
    term: str | None = None  # the term's text, for the term level
    note: str | None = None
    when: datetime | None = field(default=None, compare=False, repr=False)  # ``date``, parsed

    def moment(self) -> datetime | None:
        if self.when is not None:
            return self.when
        parsed = parse_date(self.date) if self.date else None
        return parsed[1] if parsed else None

    def key(self) -> tuple[Any, ...]:
        """What makes two transactions the same one (the date compared as a moment)."""
        return (self.level, self.lang, self.term, self.type, self.moment(), self.responsibility)

    def to_revision(self) -> dict[str, Any]:
        """The ``after`` of the revision that keeps this transaction."""
        body = {
            "type": self.type,
            "date": self.date,
            "responsibility": self.responsibility,
            "level": self.level,
            "lang": self.lang,
            "term": self.term,
            "note": self.note,
        }
        # TRANSACTION_KEY first: the export recognises these revisions by how their JSON starts.
        return {TRANSACTION_KEY: body}

    @classmethod
    def from_revision(cls, after: dict[str, Any]) -> Transaction:
        body = after[TRANSACTION_KEY]
        level = body.get("level") if body.get("level") in LEVELS else "concept"
        return cls(
            type=body.get("type") or MODIFICATION,
            date=body.get("date"),
            responsibility=body.get("responsibility"),
            level=level,
            lang=body.get("lang"),
            term=body.get("term"),
            note=body.get("note"),
        )

    @classmethod
    def of_write(cls, action: str, changed_at: datetime, changed_by: str) -> Transaction:
        """An Alinea write (a revision with a snapshot) as a concept-level transaction."""
        return cls(
            type=ORIGINATION if action == "create" else MODIFICATION,
            date=format_datetime(changed_at),
            responsibility=changed_by,
            note="concept deleted" if action == "delete" else None,
            when=changed_at,
        )


# -- export ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class ExportTerm:
    lang: str
    text: str
    status: str
    term_type: str
    part_of_speech: str | None
    context: str | None
    source: str | None
    note: str | None


@dataclass(slots=True)
class ExportConcept:
    id: int
    subject_field: str | None
    definition: str | None
    note: str | None
    source: str | None
    revision: int = 1
    terms: list[ExportTerm] = field(default_factory=list)
    history: list[Transaction] = field(default_factory=list)
    collection: str | None = None

    def languages(self) -> dict[str, list[ExportTerm]]:
        """Terms grouped by language, languages in the order of their first term."""
        grouped: dict[str, list[ExportTerm]] = {}
        for term in self.terms:
            grouped.setdefault(term.lang, []).append(term)
        return grouped

    def placed_history(self, *, partial: bool) -> PlacedHistory:
        """The history sorted into the sections it belongs to.

        A language or term transaction goes to its section; when that section is not exported it
        is left out of a ``partial`` export (languages or statuses filtered) and moves up to the
        nearest section that is exported otherwise (its term or language was removed since).
        """
        placed = PlacedHistory()
        languages = {term.lang for term in self.terms}
        terms = {(term.lang, term.text) for term in self.terms}
        for transaction in self.history:
            lang = transaction.lang or ""
            if transaction.level == "term" and (lang, transaction.term) in terms:
                placed.terms.setdefault((lang, transaction.term or ""), []).append(transaction)
            elif transaction.level == "language" and lang in languages:
                placed.languages.setdefault(lang, []).append(transaction)
            elif transaction.level != "concept" and partial:
                continue  # its section was filtered out
            elif transaction.level != "concept" and lang in languages:
                placed.languages.setdefault(lang, []).append(transaction)
            else:
                placed.concept.append(transaction)
        return placed


@dataclass(slots=True)
class PlacedHistory:
    concept: list[Transaction] = field(default_factory=list)
    languages: dict[str, list[Transaction]] = field(default_factory=dict)
    terms: dict[tuple[str, str], list[Transaction]] = field(default_factory=dict)


# -- import ---------------------------------------------------------------------------------------


class Position(NamedTuple):
    """Where something is in the file: a line and a column (1-based), either may be unknown.

    XML elements are found by line (the parser's) and by which occurrence of their tag on that
    line they are; the column is looked up afterwards, for the few positions that are reported.
    """

    line: int | None = None
    column: int | None = None
    tag: str | None = None
    occurrence: int = 1


@dataclass(slots=True)
class Problem:
    position: Position
    code: str
    message: str


@dataclass(slots=True)
class IncomingTerm:
    fields: dict[str, Any]  # lang, text, status, type, part_of_speech, context, source, note
    positions: dict[str, Position]  # field → where it was read; "" → the term's section
    # The term fields (status, type, part_of_speech, context, source, note) the file carries
    # for it: a CSV its columns; None: the reader leaves it to the importer (TBX).
    carried: frozenset[str] | None = None


@dataclass(slots=True)
class IncomingConcept:
    position: Position
    ref: str | None  # the file's id for the concept
    fields: dict[str, Any] = field(default_factory=dict)  # subject_field, definition, note, source
    positions: dict[str, Position] = field(default_factory=dict)
    terms: list[IncomingTerm] = field(default_factory=list)
    history: list[Transaction] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # errors found while reading it
    warnings: list[Problem] = field(default_factory=list)
    # The concept fields the file carries (a CSV: its columns); None: left to the importer.
    carried: frozenset[str] | None = None
    # ``note`` holds only what the file has no field for (a CSV's other columns): added to the
    # note a merged concept has, rather than standing for it.
    note_is_addition: bool = False
    # The file lists the concept's terms in each of its languages (TBX language sections; a CSV
    # whose rows are grouped by concept_id): a replace removes the terms it leaves out. A
    # glossary's row (no concept_id) only adds or changes terms.
    lists_terms: bool = True
    revision: int | None = None  # the Alinea revision the file says it was exported at
