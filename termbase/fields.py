"""The fields of a concept and of a term, and the one mapping between a term and its row.

Every layer names a term's fields the same way (the API's JSON, the exchange records, the
revision snapshots, the diff) except the database, whose column for ``type`` is ``term_type``;
:func:`term_fields` and :func:`term_columns` are the only places that cross that line.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

CONCEPT_FIELDS = ("subject_field", "definition", "note", "source")
#: A term's optional free-text details: what ``add`` fills in when empty.
TERM_DETAILS = ("part_of_speech", "context", "source", "note")
#: What a term says about itself beyond its language and text (the CSV columns of a language).
TERM_ATTRIBUTES = ("status", "type", *TERM_DETAILS)
TERM_FIELDS = ("lang", "text", *TERM_ATTRIBUTES)
#: A term field's column in the ``term`` table, where the two names differ.
TERM_COLUMN_NAMES = {"type": "term_type"}


def term_column(name: str) -> str:
    """The ``term`` table's column for the term field ``name``."""
    return TERM_COLUMN_NAMES.get(name, name)


def term_fields(term: Any) -> dict[str, Any]:
    """A stored term (a ``Term`` row, or any object with its columns) as its fields, by their
    API names, values as stored."""
    return {name: getattr(term, term_column(name)) for name in TERM_FIELDS}


def term_json(data: Any) -> dict[str, Any]:
    """A validated term (``TermIn`` …) as its fields with plain values (enums as strings)."""
    return {name: _plain(getattr(data, name)) for name in TERM_FIELDS}


def term_columns(data: Any) -> dict[str, Any]:
    """A validated term (``TermIn`` …) as the column values of its row (without its concept,
    position and match key)."""
    return {term_column(name): _plain(getattr(data, name)) for name in TERM_FIELDS}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value
