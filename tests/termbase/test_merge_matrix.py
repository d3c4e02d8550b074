"""Every format × merge policy × mode, on SQLite and PostgreSQL: a merge changes only what the
file carries, and the report (and its dry run) says what changed, before → after.

One curated concept is stored; one file per format says something about it. TBX (v3 and v2,
TBX-Basic) carries every field, so what an entry leaves out is empty; the CSV/TSV sheet has
columns for a few fields only (``definition``, ``en:status``, ``fr:context``), so every other
field is kept. The expected concept after each merge is written out below, not computed.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from app.db import Database
from termbase.diff import diff_snapshots
from termbase.schemas import ConceptIn
from termbase.service import concept_out, create_concept, get_concept, snapshot
from tests.tbx_support import import_bytes, state

STORED: dict[str, Any] = {
    "subject_field": "migration",
    "definition": "old definition",
    "note": "old note",
    "source": "old source",
    "terms": [
        {"lang": "en", "text": "smuggling of migrants", "status": "preferred",
         "context": "en context", "part_of_speech": "noun"},
        {"lang": "en", "text": "trafficking of migrants", "status": "deprecated",
         "note": "not trafficking"},
        {"lang": "fr", "text": "trafic illicite de migrants", "status": "preferred",
         "context": "fr context"},
        {"lang": "es", "text": "tráfico ilícito de migrantes", "status": "admitted"},
    ],
}  # fmt: skip

# What the file says about the concept.
DEFINITION = "new definition"
FR_CONTEXT = "new fr context"
NEW_TERM = "passeur"


def _tbx(ref: str, version: int) -> bytes:
    entry, lang_section, term_section = (
        ("conceptEntry", "langSec", "termSec") if version == 3 else ("termEntry", "langSet", "tig")
    )

    def term(text: str, status: str, extra: str = "") -> str:
        return (
            f"<{term_section}><term>{text}</term>"
            f'<termNote type="administrativeStatus">{status}Term-admn-sts</termNote>'
            f"{extra}</{term_section}>"
        )

    body = (
        f'<{entry} id="{ref}">'
        '<descrip type="subjectField">migration</descrip>'
        f'<descrip type="definition">{DEFINITION}</descrip>'
        f'<{lang_section} xml:lang="en">{term("smuggling of migrants", "preferred")}'
        f"</{lang_section}>"
        f'<{lang_section} xml:lang="fr">'
        + term(
            "trafic illicite de migrants",
            "preferred",
            f'<descrip type="context">{FR_CONTEXT}</descrip>',
        )
        + term(NEW_TERM, "admitted")
        + f"</{lang_section}></{entry}>"
    )
    if version == 3:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<tbx xmlns="urn:iso:std:iso:30042:ed-2" '
            'type="TBX-Basic" style="dca" xml:lang="en"><tbxHeader><fileDesc><sourceDesc><p>t'
            f"</p></sourceDesc></fileDesc></tbxHeader><text><body>{body}</body></text></tbx>"
        ).encode()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<martif type="TBX-Basic" xml:lang="en">'
        "<martifHeader><fileDesc><sourceDesc><p>t</p></sourceDesc></fileDesc></martifHeader>"
        f"<text><body>{body}</body></text></martif>"
    ).encode()


def _sheet(ref: str, tab: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if tab else ",", lineterminator="\r\n")
    writer.writerow(["concept_id", "definition", "en", "en:status", "fr", "fr:context"])
    writer.writerow(
        [ref, DEFINITION, "smuggling of migrants", "preferred", "trafic illicite de migrants",
         FR_CONTEXT]
    )  # fmt: skip
    writer.writerow([ref, "", "", "", NEW_TERM, ""])
    return out.getvalue().encode()


def incoming(file_format: str, ref: str) -> bytes:
    return {
        "tbx": lambda: _tbx(ref, 3),
        "tbx2": lambda: _tbx(ref, 2),
        "csv": lambda: _sheet(ref, tab=False),
        "tsv": lambda: _sheet(ref, tab=True),
    }[file_format]()


def _term(text: str, lang: str, **fields: Any) -> dict[str, Any]:
    empty = dict.fromkeys(("part_of_speech", "context", "source", "note"))
    return {"lang": lang, "text": text, "status": "admitted", "type": "full_form"} | empty | fields


STORED_TERMS = {
    "smuggling": _term(
        "smuggling of migrants", "en", status="preferred", context="en context",
        part_of_speech="noun",
    ),
    "trafficking": _term(
        "trafficking of migrants", "en", status="deprecated", note="not trafficking"
    ),
    "trafic": _term("trafic illicite de migrants", "fr", status="preferred", context="fr context"),
    "tráfico": _term("tráfico ilícito de migrantes", "es"),
}  # fmt: skip
UNCHANGED = {
    "subject_field": "migration",
    "definition": "old definition",
    "note": "old note",
    "source": "old source",
    "terms": list(STORED_TERMS.values()),
}
ADDED = {**UNCHANGED, "terms": [*STORED_TERMS.values(), _term(NEW_TERM, "fr")]}
EXPECTED: dict[tuple[str, str], dict[str, Any]] = {
    # TBX-Basic carries every field: what the entry leaves out is empty; the languages it lists
    # get its terms (trafficking goes), the one it does not (es) is kept
    ("tbx", "replace"): {
        "subject_field": "migration",
        "definition": DEFINITION,
        "note": None,
        "source": None,
        "terms": [
            _term("smuggling of migrants", "en", status="preferred"),
            _term("trafic illicite de migrants", "fr", status="preferred", context=FR_CONTEXT),
            STORED_TERMS["tráfico"],
            _term(NEW_TERM, "fr"),
        ],
    },
    # the sheet carries the definition, the English status and the French context: nothing else
    ("csv", "replace"): {
        **UNCHANGED,
        "definition": DEFINITION,
        "terms": [
            STORED_TERMS["smuggling"],
            {**STORED_TERMS["trafic"], "context": FR_CONTEXT},
            STORED_TERMS["tráfico"],
            _term(NEW_TERM, "fr"),
        ],
    },
    ("tbx", "add"): ADDED,
    ("csv", "add"): ADDED,
    ("tbx", "skip"): UNCHANGED,
    ("csv", "skip"): UNCHANGED,
}


def _content(concept: dict[str, Any]) -> dict[str, Any]:
    return {
        **{name: concept[name] for name in ("subject_field", "definition", "note", "source")},
        "terms": [{k: v for k, v in t.items() if k != "id"} for t in concept["terms"]],
    }


def _read(database: Database, concept_id: int) -> dict[str, Any]:
    with database.sessionmaker() as session:
        return concept_out(get_concept(concept_id, session=session)).model_dump(mode="json")


@pytest.mark.parametrize("mode", ["replace", "add", "skip"])
@pytest.mark.parametrize("merge", ["id", "term:en", "none"])
@pytest.mark.parametrize("file_format", ["tbx", "tbx2", "csv", "tsv"])
def test_a_merge_changes_only_what_the_file_carries(
    database: Database, file_format: str, merge: str, mode: str
) -> None:
    with database.session() as session:
        stored = create_concept(ConceptIn.model_validate(STORED), session=session, user="ann")
        concept_id, before = stored.id, snapshot(stored)
    data = incoming(file_format, f"alinea-{concept_id}" if merge == "id" else "file-1")
    dry = import_bytes(database, data, merge=merge, mode=mode, dry_run=True)
    assert dry.accepted, dry.errors
    unchanged_state = state(database)
    report = import_bytes(database, data, merge=merge, mode=mode)
    assert report.committed, report.errors
    # the dry run said exactly what the import did
    assert dry.model_dump(exclude={"dry_run", "committed", "generation"}) == report.model_dump(
        exclude={"dry_run", "committed", "generation"}
    )
    after = _read(database, concept_id)
    if merge == "none":  # a new concept; the stored one untouched, and reported as a duplicate
        assert report.concepts.created == 1 and _content(after) == UNCHANGED
        assert state(database)["concepts"] == unchanged_state["concepts"] + 1
        assert [d.other_concept_id for d in report.possible_duplicates] == [concept_id]
        return
    family = "tbx" if file_format.startswith("tbx") else "csv"
    expected = EXPECTED[(family, mode)]
    if (family, merge, mode) == ("tbx", "term:en", "replace"):
        # another tool's id is kept in the note, which TBX carries
        expected = {**expected, "note": "[id] file-1"}
    assert _content(after) == expected
    # terms that stay keep their ids
    ids = {(t["lang"], t["text"]): t["id"] for t in before["terms"]}
    for term in after["terms"]:
        if (term["lang"], term["text"]) in ids:
            assert term["id"] == ids[(term["lang"], term["text"])]
    if mode == "skip":
        assert (report.concepts.skipped, report.changes) == (1, [])
        return
    assert report.concepts.updated == 1 and report.concepts.conflicts == 0
    (change,) = report.changes
    assert change.concept_id == concept_id and change.line is not None
    listed = [c.model_dump() for c in change.changes]
    actual = diff_snapshots(before, snapshot_of(after))
    for item in actual:
        if item.field == "term" and item.change == "added":
            item.term_id = None  # the report gives no id for a new term (a dry run cannot)
    assert listed == [c.model_dump() for c in actual]
    assert listed  # every one of these merges changes something


def snapshot_of(concept: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in concept.items() if k not in ("created_at", "updated_at", "revision")}


@pytest.mark.parametrize("file_format", ["tbx", "tbx2", "csv", "tsv"])
def test_a_file_that_says_what_is_stored_changes_nothing(
    database: Database, file_format: str
) -> None:
    """The same file imported twice: the second import finds nothing to change."""
    with database.session() as session:
        concept_id = create_concept(
            ConceptIn.model_validate(STORED), session=session, user="ann"
        ).id
    data = incoming(file_format, f"alinea-{concept_id}")
    import_bytes(database, data)
    before = state(database)
    again = import_bytes(database, data)
    assert again.concepts.unchanged == 1 and again.changes == []
    after = state(database)
    assert after.pop("generation") == before.pop("generation") + 1  # an import is one write
    assert after == before
