"""Path and query parameters shared by the routes, with the limits the database imposes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

# Ids are INTEGER columns: 32 bits on PostgreSQL. A larger id names nothing; it is refused (422)
# before it reaches the database, which would refuse it with an error of its own.
MAX_ID = 2**31 - 1
# No control characters (C0, DEL, C1) in text parameters.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"

ConceptId = Annotated[int, Path(ge=1, le=MAX_ID, description="The concept's id.")]
TermId = Annotated[int, Path(ge=1, le=MAX_ID, description="The term's id.")]
RevisionNumber = Annotated[
    int, Path(ge=1, le=MAX_ID, description="The revision number, as the history lists it.")
]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="The job's id.")]
KeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="The key's id.")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=400,
        pattern=r"^[A-Za-z0-9_.-]*$",
        description="`next_cursor` of the previous page.",
    ),
]
