"""Typed termbase errors; the service maps each to one HTTP problem and the CLI to one message."""

from __future__ import annotations

from typing import Any


class TermbaseError(Exception):
    """Base class of every error the termbase raises on purpose."""


class ConceptNotFound(TermbaseError):
    def __init__(self, concept_id: int) -> None:
        super().__init__(f"concept {concept_id} does not exist")
        self.concept_id = concept_id


class InvalidConcept(TermbaseError):
    """A concept that breaks a termbase rule; ``errors`` lists each problem with its location."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(e.get("msg")) for e in errors))
        self.errors = errors


class InvalidQuery(TermbaseError):
    """A look-up or recognition request that cannot be answered as asked."""
