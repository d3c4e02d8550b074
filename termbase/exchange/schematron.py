"""Running the official TBX Schematron rules with lxml, whose Schematron is XSLT 1.0.

The LTAC schematrons (TBX-Basic, TBX-Min, TBX-Core, their modules) declare
``queryBinding="xslt2"`` and use a few XPath 2.0 expressions that lxml cannot run. They are
ported at load time, each by a rewrite that means the same in XPath 1.0 + EXSLT:

=========================================  =====================================================
XPath 2.0                                  XPath 1.0 / EXSLT
=========================================  =====================================================
``matches($s, 're'[, 'i'])``               ``re:test($s, 're'[, 'i'])`` (EXSLT regular expressions,
                                           which lxml provides; both search, unanchored)
``./local-name()`` (also ``name()``,       ``local-name(.)``
``namespace-uri()``, ``string()``)
``E is root()``                            ``count(E | /) = 1`` (the node is the document root)
``step/(A or B)``                          ``step[A or B]`` (a parenthesised step: true when some
                                           node of the step satisfies it)
=========================================  =====================================================

Anything else of XPath 2.0 left after the rewrites (an unknown function, ``some … satisfies``,
``eq``, ``if``, …) raises :class:`SchematronPortError` instead of validating less than the rules
say. The schema files are not shipped with Alinea (their licence is unknown): the tests and the
benchmark read them from ``../shared/tbx``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree, isoschematron

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
EXSLT_REGEXP_NS = "http://exslt.org/regular-expressions"

# XPath 1.0 core functions, plus the XSLT ones a Schematron may use, plus what the port adds.
_XPATH1_FUNCTIONS = {
    "last",
    "position",
    "count",
    "id",
    "local-name",
    "namespace-uri",
    "name",
    "string",
    "concat",
    "starts-with",
    "contains",
    "substring-before",
    "substring-after",
    "substring",
    "string-length",
    "normalize-space",
    "translate",
    "boolean",
    "not",
    "true",
    "false",
    "lang",
    "number",
    "sum",
    "floor",
    "ceiling",
    "round",
    "current",
    "key",
    "document",
    "generate-id",
    "system-property",
    "element-available",
    "function-available",
    "re:test",
}
# Node tests and operators can stand before a parenthesis too; they are not functions.
_NODE_TESTS = {"node", "text", "comment", "processing-instruction", "or", "and", "div", "mod"}
# XPath 2.0 keywords with no XPath 1.0 meaning (outside string literals).
_XPATH2_KEYWORDS = re.compile(
    r"\b(?:is|eq|ne|lt|le|gt|ge|satisfies|every|some|instance|treat|castable|cast|to|"
    r"intersect|except|return|for|if|then|else)\b(?![-:(])"
)
_SELF_FUNCTION_STEP = re.compile(
    r"(?<![\w.])\./(local-name|name|namespace-uri|string|normalize-space|string-length)\(\)"
)
_IS_ROOT = re.compile(r"(\.\.|\.)\s+is\s+root\(\)")
_CALL = re.compile(r"([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(")


class SchematronPortError(ValueError):
    """An XPath 2.0 expression the port does not know how to say in XPath 1.0."""


# -- the expression rewrites ----------------------------------------------------------------------


def _literals(expr: str) -> list[tuple[int, int]]:
    """Spans of the string literals in an XPath expression."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(expr):
        if expr[i] in "'\"":
            end = expr.find(expr[i], i + 1)
            if end < 0:
                raise SchematronPortError(f"unterminated string literal in {expr!r}")
            spans.append((i, end + 1))
            i = end + 1
        else:
            i += 1
    return spans


def _in_literal(index: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= index < end for start, end in spans)


def _closing(expr: str, opening: int) -> int:
    """Index of the parenthesis that closes the one at ``opening``."""
    depth = 0
    spans = _literals(expr)
    for i in range(opening, len(expr)):
        if _in_literal(i, spans):
            continue
        if expr[i] == "(":
            depth += 1
        elif expr[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise SchematronPortError(f"unbalanced parentheses in {expr!r}")


def _split_arguments(text: str) -> list[str]:
    arguments, depth, start = [], 0, 0
    spans = _literals(text)
    for i, char in enumerate(text):
        if _in_literal(i, spans):
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append(text[start:i].strip())
            start = i + 1
    arguments.append(text[start:].strip())
    return arguments


def port_matches(expr: str) -> str:
    """``matches(s, 're'[, 'flags'])`` → ``re:test(s, 're'[, 'flags'])``."""
    while True:
        spans = _literals(expr)
        found = next(
            (
                m
                for m in re.finditer(r"(?<![\w:.-])matches\s*\(", expr)
                if not _in_literal(m.start(), spans)
            ),
            None,
        )
        if found is None:
            return expr
        opening = found.end() - 1
        closing = _closing(expr, opening)
        arguments = _split_arguments(expr[opening + 1 : closing])
        if len(arguments) not in (2, 3):
            raise SchematronPortError(f"matches() takes 2 or 3 arguments: {expr!r}")
        pattern = arguments[1]
        if re.search(r"\\[iIcC]", pattern):
            raise SchematronPortError(f"XML Schema name classes (\\i, \\c) in {pattern}")
        if len(arguments) == 3:
            flags = arguments[2].strip("'\"")
            if set(flags) - {"i"}:
                raise SchematronPortError(f"matches() flags {flags!r} have no EXSLT equivalent")
        expr = f"{expr[: found.start()]}re:test({', '.join(arguments)}){expr[closing + 1 :]}"


def port_self_function_steps(expr: str) -> str:
    """``./local-name()`` → ``local-name(.)`` (a function called as a path step on the node)."""
    return _SELF_FUNCTION_STEP.sub(r"\1(.)", expr)


def port_is_root(expr: str) -> str:
    """``.. is root()`` → ``count(.. | /) = 1``."""
    return _IS_ROOT.sub(r"count(\1 | /) = 1", expr)


def port_parenthesised_steps(expr: str) -> str:
    """``step/(A or B)`` → ``step[A or B]``."""
    while True:
        spans = _literals(expr)
        slash = next(
            (m.start() for m in re.finditer(r"/\s*\(", expr) if not _in_literal(m.start(), spans)),
            None,
        )
        if slash is None:
            return expr
        opening = expr.index("(", slash)
        closing = _closing(expr, opening)
        expr = f"{expr[:slash]}[{expr[opening + 1 : closing]}]{expr[closing + 1 :]}"


def check_xpath1(expr: str) -> None:
    """Refuse what is still XPath 2.0 after the port."""
    spans = _literals(expr)
    for call in _CALL.finditer(expr):
        if _in_literal(call.start(), spans):
            continue
        name = call.group(1)
        if name in _NODE_TESTS or name in _XPATH1_FUNCTIONS:
            continue
        raise SchematronPortError(f"{name}() is not XPath 1.0: {expr!r}")
    for keyword in _XPATH2_KEYWORDS.finditer(expr):
        if not _in_literal(keyword.start(), spans):
            raise SchematronPortError(f"'{keyword.group(0)}' is XPath 2.0: {expr!r}")


def port_xpath(expr: str) -> str:
    """An XPath 2.0 expression of the TBX schematrons, said in XPath 1.0 + EXSLT."""
    ported = port_parenthesised_steps(port_is_root(port_self_function_steps(port_matches(expr))))
    check_xpath1(ported)
    return ported


# -- loading and running --------------------------------------------------------------------------

_PORTED_ATTRIBUTES = {
    "assert": ("test",),
    "report": ("test",),
    "rule": ("context",),
    "value-of": ("select",),
    "let": ("value",),
    "name": ("path",),
}


def port_schema(schema: etree._ElementTree) -> etree._ElementTree:
    """A copy of a Schematron schema with XPath 1.0 + EXSLT query binding."""
    ported = etree.ElementTree(etree.fromstring(etree.tostring(schema)))
    root = ported.getroot()
    binding = root.get("queryBinding", "xslt")
    if binding not in ("xslt", "xslt1", "xslt2", "exslt"):
        raise SchematronPortError(f"query binding {binding!r} is not XPath")
    root.set("queryBinding", "exslt")
    namespace = etree.Element(f"{{{SCH_NS}}}ns", prefix="re", uri=EXSLT_REGEXP_NS)
    namespace.tail = "\n"
    root.insert(0, namespace)
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{SCH_NS}}}"):
            continue
        for attribute in _PORTED_ATTRIBUTES.get(etree.QName(element).localname, ()):
            value = element.get(attribute)
            if value is not None:
                element.set(attribute, port_xpath(value))
    return ported


_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def load_schematron(path: Path | str) -> isoschematron.Schematron:
    """The Schematron at ``path``, ported to XPath 1.0, ready to validate."""
    schema = etree.parse(str(path), _SAFE_PARSER)
    return isoschematron.Schematron(port_schema(schema), store_report=True)


def load_relaxng(path: Path | str) -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(path), _SAFE_PARSER))


@dataclass(frozen=True)
class Failure:
    """One failed Schematron assertion."""

    location: str
    test: str
    message: str


def failures(schematron: isoschematron.Schematron, document: etree._ElementTree) -> list[Failure]:
    """Every assertion the document fails (empty when it is valid)."""
    schematron.validate(document)
    report = schematron.validation_report
    return [
        Failure(
            location=failed.get("location", ""),
            test=failed.get("test", ""),
            message=" ".join(failed.findtext(f"{{{SVRL_NS}}}text", "").split()),
        )
        for failed in report.iter(f"{{{SVRL_NS}}}failed-assert")
    ]
