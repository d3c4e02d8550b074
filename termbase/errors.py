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


class ConceptChanged(TermbaseError):
    """A write whose precondition failed: the concept is no longer at the revision expected."""

    def __init__(self, concept_id: int, revision: int) -> None:
        super().__init__(
            f"concept {concept_id} changed since it was read (it is at revision {revision} now); "
            "read it again and redo the change"
        )
        self.concept_id = concept_id
        self.revision = revision


class TermNotFound(TermbaseError):
    def __init__(self, concept_id: int, term_id: int) -> None:
        super().__init__(f"concept {concept_id} has no term {term_id}")
        self.concept_id = concept_id
        self.term_id = term_id


class RevisionNotFound(TermbaseError):
    def __init__(self, concept_id: int, number: int, reason: str | None = None) -> None:
        super().__init__(reason or f"concept {concept_id} has no revision {number}")
        self.concept_id = concept_id
        self.number = number


class ChangeRefused(TermbaseError):
    """A change the termbase's state does not allow, e.g. removing a concept's last term."""


class PossibleDuplicates(TermbaseError):
    """A write refused because the concept looks like another one (``duplicates`` says which)."""

    def __init__(self, duplicates: list[Any]) -> None:
        first = duplicates[0]
        super().__init__(
            f"the {first.lang} term '{first.matches}' is the main term of concept "
            f"{first.concept_id} too ('{first.term}'): a possible duplicate"
            + (f" (and {len(duplicates) - 1} more)" if len(duplicates) > 1 else "")
        )
        self.duplicates = duplicates


class CollectionNotFound(TermbaseError):
    def __init__(self, name: str) -> None:
        super().__init__(f"there is no collection '{name}' (see GET /v1/collections)")
        self.name = name


class InvalidCollection(TermbaseError):
    """A collection that breaks a rule (a name taken, a priority out of bounds …)."""


class CandidateNotFound(TermbaseError):
    def __init__(self, candidate_id: int) -> None:
        super().__init__(f"term candidate {candidate_id} does not exist")
        self.candidate_id = candidate_id
