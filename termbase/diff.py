"""What changed between two states of a concept, field by field and term by term.

States are the snapshots the history keeps (``termbase.service.snapshot``: the concept's fields
and its terms, each with its id). Terms are paired by id where both states have one, else by
language and text, so a term whose text was corrected is one term changed, not one removed and
one added. The history shows these per revision; an import's report shows them per concept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from termbase.fields import CONCEPT_FIELDS, TERM_FIELDS
from termbase.schemas import Change


def _term_view(term: Mapping[str, Any]) -> dict[str, Any]:
    return {name: term.get(name) for name in TERM_FIELDS}


def _kind(before: Any, after: Any) -> str:
    if before in (None, "") and after not in (None, ""):
        return "added"
    if after in (None, "") and before not in (None, ""):
        return "removed"
    return "changed"


def pair_terms(
    before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]
) -> tuple[
    list[tuple[Mapping[str, Any], Mapping[str, Any]]],
    list[Mapping[str, Any]],
    list[Mapping[str, Any]],
]:
    """(pairs of the same term before and after, terms only before, terms only after)."""
    old = list(before)
    remaining = {index: term for index, term in enumerate(old)}
    by_id = {term["id"]: index for index, term in remaining.items() if term.get("id") is not None}
    pairs: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
    unpaired: list[Mapping[str, Any]] = []
    for term in after:
        index = by_id.get(term.get("id")) if term.get("id") is not None else None
        if index is not None and index in remaining:
            pairs.append((remaining.pop(index), term))
        else:
            unpaired.append(term)
    by_key = {(term.get("lang"), term.get("text")): index for index, term in remaining.items()}
    added: list[Mapping[str, Any]] = []
    for term in unpaired:
        index = by_key.pop((term.get("lang"), term.get("text")), None)
        if index is not None:
            pairs.append((remaining.pop(index), term))
        else:
            added.append(term)
    return pairs, list(remaining.values()), added


def diff_snapshots(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[Change]:
    """Every difference from ``before`` to ``after`` (either may be None: created, deleted)."""
    before = before or {}
    after = after or {}
    changes: list[Change] = []
    for name in CONCEPT_FIELDS:
        old, new = before.get(name), after.get(name)
        if old != new:
            changes.append(Change(field=name, change=_kind(old, new), before=old, after=new))
    # the collection: compared where both states name one (snapshots from before collections,
    # and the states an import compares, do not)
    if before.get("collection") and after.get("collection"):
        old, new = before["collection"], after["collection"]
        if old != new:
            changes.append(Change(field="collection", change="changed", before=old, after=new))
    pairs, removed, added = pair_terms(before.get("terms") or (), after.get("terms") or ())
    for old_term, new_term in pairs:
        for name in TERM_FIELDS:
            old, new = old_term.get(name), new_term.get(name)
            if old != new:
                changes.append(
                    Change(
                        field=name,
                        change=_kind(old, new),
                        term_id=new_term.get("id") or old_term.get("id"),
                        lang=new_term.get("lang"),
                        term=new_term.get("text"),
                        before=old,
                        after=new,
                    )
                )
    for term in removed:
        changes.append(
            Change(
                field="term",
                change="removed",
                term_id=term.get("id"),
                lang=term.get("lang"),
                term=term.get("text"),
                before=_term_view(term),
            )
        )
    for term in added:
        changes.append(
            Change(
                field="term",
                change="added",
                term_id=term.get("id"),
                lang=term.get("lang"),
                term=term.get("text"),
                after=_term_view(term),
            )
        )
    return changes
