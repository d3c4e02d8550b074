"""Turning a registry of file formats into what the service and the command line show.

There is one registry per kind of record: termbase exchange (:mod:`termbase.exchange.formats`),
alignment output (:mod:`alignment.formats`) and job results (:mod:`app.jobs.results`). A route's
``format`` query enum, its OpenAPI ``content`` map and a command's ``--format`` help are made here
from a registry, never written out by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, cast


def names_enum(name: str, names: Iterable[str]) -> type[StrEnum]:
    """A string enum of format names (member ``TBX2`` for ``"tbx2"``), for a route's query
    parameter: FastAPI validates it and lists its values in OpenAPI."""
    return cast(type[StrEnum], StrEnum(name, [(value.upper(), value) for value in names]))


def content_map(media_types: Iterable[str]) -> dict[str, dict[str, Any]]:
    """An OpenAPI response ``content`` map: a binary body for each media type (parameters off)."""
    return {
        media_type.split(";")[0].strip(): {"schema": {"type": "string", "format": "binary"}}
        for media_type in media_types
    }


def or_list(names: Iterable[str]) -> str:
    """``a, b or c``."""
    listed = list(names)
    return (", ".join(listed[:-1]) + " or " if len(listed) > 1 else "") + listed[-1]


def choices_help(names: Iterable[str]) -> str:
    """``a, b or c.``: the help of a ``--format`` option."""
    return or_list(names) + "."


def described(descriptions: dict[str, str]) -> str:
    """A ``format`` parameter's description: ``a (default: what a is), b (what b is), …``; the
    first format is the default."""
    return ", ".join(
        f"{name} ({'default: ' if number == 0 else ''}{description})"
        for number, (name, description) in enumerate(descriptions.items())
    )
