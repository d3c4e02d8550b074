"""The TBX data categories Alinea maps its fields to, and their picklist values both ways.

Alinea's own values (``preferred``, ``full_form`` …) are the termbase's; TBX-Basic spells them
``preferredTerm-admn-sts``, ``fullForm`` …. Older files (TBX v2, TBX-Basic 2008, tools' own
exports) use other data categories for the same facts (``usageStatus``, ``normativeAuthorization``)
or values Alinea has no slot for (``standardizedTerm-admn-sts``, ``initialism``): those are read
into the nearest field and, when the value itself has no slot, kept word for word in the note.
"""

from __future__ import annotations

from termbase.models import PartOfSpeech, TermStatus, TermType

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
# DCT-style TBX v3 files put each data category in an element of its module's namespace.
DCT_NAMESPACES = ("http://www.tbxinfo.net/ns/basic", "http://www.tbxinfo.net/ns/min")

# Alinea's concept ids in exchange files: ``alinea-123``. A distinct shape, so the ids other tools
# write (``c1``, ``IATE-84``) never match an Alinea concept by accident.
ID_PREFIX = "alinea-"


def concept_ref(concept_id: int) -> str:
    return f"{ID_PREFIX}{concept_id}"


def parse_concept_ref(ref: str | None) -> int | None:
    """The Alinea concept id in ``ref`` (``alinea-123`` → 123), or None for any other id."""
    if not ref or not ref.startswith(ID_PREFIX):
        return None
    digits = ref[len(ID_PREFIX) :]
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12 or digits[0] == "0":
        return None
    return int(digits)


# -- administrative status ------------------------------------------------------------------------

STATUS_TO_TBX = {
    TermStatus.PREFERRED: "preferredTerm-admn-sts",
    TermStatus.ADMITTED: "admittedTerm-admn-sts",
    TermStatus.DEPRECATED: "deprecatedTerm-admn-sts",
    TermStatus.SUPERSEDED: "supersededTerm-admn-sts",
}

# Every spelling of a status found in TBX files, by data category: value → Alinea status.
STATUS_FROM_TBX: dict[str, dict[str, TermStatus]] = {
    "administrativeStatus": {
        **{tbx: status for status, tbx in STATUS_TO_TBX.items()},
        # the values without the suffix, as some tools write them
        "preferredTerm": TermStatus.PREFERRED,
        "admittedTerm": TermStatus.ADMITTED,
        "deprecatedTerm": TermStatus.DEPRECATED,
        "supersededTerm": TermStatus.SUPERSEDED,
    },
    # TBX v2 and the LTAC test files: the older usage status picklist
    "usageStatus": {
        "preferred": TermStatus.PREFERRED,
        "admitted": TermStatus.ADMITTED,
        "deprecated": TermStatus.DEPRECATED,
        "notRecommended": TermStatus.DEPRECATED,
        "obsolete": TermStatus.SUPERSEDED,
        "superseded": TermStatus.SUPERSEDED,
    },
    "normativeAuthorization": {
        "preferredTerm": TermStatus.PREFERRED,
        "admittedTerm": TermStatus.ADMITTED,
        "deprecatedTerm": TermStatus.DEPRECATED,
        "supersededTerm": TermStatus.SUPERSEDED,
    },
}
STATUS_CATEGORIES = tuple(STATUS_FROM_TBX)

# Valid TBX statuses Alinea has no slot for: the term keeps the default status and the value
# goes into its note.
STATUS_WITHOUT_SLOT = {
    "standardizedTerm-admn-sts",
    "legalTerm-admn-sts",
    "regulatedTerm-admn-sts",
    "standardizedTerm",
    "legalTerm",
    "regulatedTerm",
}

# -- term type ------------------------------------------------------------------------------------

TYPE_TO_TBX = {
    TermType.FULL_FORM: "fullForm",
    TermType.ACRONYM: "acronym",
    TermType.ABBREVIATION: "abbreviation",
    TermType.SHORT_FORM: "shortForm",
    TermType.VARIANT: "variant",
    TermType.PHRASE: "phrase",
}
TYPE_FROM_TBX = {
    **{tbx: term_type for term_type, tbx in TYPE_TO_TBX.items()},
    "phraseologicalUnit": TermType.PHRASE,
}
# TBX v2 term types Alinea has no slot for (the ISO 12620 picklist).
TYPE_WITHOUT_SLOT = {
    "clippedTerm",
    "commonName",
    "entryTerm",
    "equation",
    "formula",
    "initialism",
    "internationalScientificTerm",
    "internationalism",
    "logicalExpression",
    "orthographicalVariant",
    "partNumber",
    "setPhrase",
    "shortcut",
    "sku",
    "standardText",
    "string",
    "symbol",
    "synonym",
    "synonymousPhrase",
    "transcribedForm",
    "transliteratedForm",
    "truncatedTerm",
}

# -- part of speech -------------------------------------------------------------------------------

POS_FROM_TBX = {pos.value: pos for pos in PartOfSpeech}
POS_WITHOUT_SLOT = {"properNoun", "pronoun", "preposition", "conjunction", "determiner"}

# -- transactions ---------------------------------------------------------------------------------

ORIGINATION = "origination"
MODIFICATION = "modification"
# transactionType values that mean the entry was made; everything else is a kind of change.
ORIGINATION_SYNONYMS = {"origination", "creation", "input"}
