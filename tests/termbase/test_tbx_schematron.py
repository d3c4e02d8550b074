"""The official TBX Schematron rules, ported from XPath 2.0 to what lxml runs, rule by rule."""

from pathlib import Path

import pytest
from lxml import etree

from termbase.exchange.schematron import (
    EXSLT_REGEXP_NS,
    SchematronPortError,
    failures,
    load_schematron,
    port_is_root,
    port_matches,
    port_parenthesised_steps,
    port_self_function_steps,
    port_xpath,
)
from tests.tbx_support import BASIC_DCA_SAMPLE, TBX_NS

XPATH_NS = {"tbx": TBX_NS, "re": EXSLT_REGEXP_NS}


def evaluate(expression: str, document: str, context: str = "/*") -> object:
    tree = etree.fromstring(document).getroottree()
    node = tree.xpath(context, namespaces=XPATH_NS)[0]
    return etree.XPath(port_xpath(expression), namespaces=XPATH_NS)(node)


# -- each rewrite -------------------------------------------------------------------------------


def test_matches_becomes_the_exslt_regular_expression_test() -> None:
    assert (
        port_matches("matches(@target,'https?://.+') or @target = //*/@id")
        == "re:test(@target, 'https?://.+') or @target = //*/@id"
    )
    assert port_matches("not(matches(.,'|.'))") == "not(re:test(., '|.'))"
    assert port_matches("matches(., 'abc', 'i')") == "re:test(., 'abc', 'i')"


def test_matches_searches_like_xpath_2() -> None:
    document = '<a xmlns="urn:iso:std:iso:30042:ed-2"><b target="see https://x.org"/></a>'
    # XPath 2 matches() is unanchored: a URL anywhere in the value matches
    assert evaluate("matches(@target,'https?://.+')", document, "//tbx:b") is True
    assert evaluate("matches(@target,'^ftp')", document, "//tbx:b") is False
    assert evaluate("matches(@target,'SEE', 'i')", document, "//tbx:b") is True
    # '|.' matches the empty string, so it is true of anything (the DCT schematron relies on it)
    assert evaluate("matches(.,'|.')", document) is True


def test_matches_refuses_what_exslt_cannot_say() -> None:
    with pytest.raises(SchematronPortError, match="flags"):
        port_matches("matches(., 'a.b', 's')")
    with pytest.raises(SchematronPortError, match="name classes"):
        port_matches(r"matches(., '\i\c*')")


def test_matches_in_a_string_literal_is_text() -> None:
    assert port_matches("@note = 'matches(x)'") == "@note = 'matches(x)'"


def test_function_called_as_a_step_becomes_a_call_on_the_node() -> None:
    expression = "parent::tbx:*[contains(./local-name(),'Grp')][not(./local-name() = 'transacGrp')]"
    assert port_self_function_steps(expression) == (
        "parent::tbx:*[contains(local-name(.),'Grp')][not(local-name(.) = 'transacGrp')]"
    )
    document = (
        '<conceptEntry xmlns="urn:iso:std:iso:30042:ed-2"><descripGrp><admin/></descripGrp>'
        "<transacGrp><admin/></transacGrp></conceptEntry>"
    )
    test = (
        "parent::tbx:*[contains(./local-name(),'Grp')][not(./local-name() = 'transacGrp')]"
        "/parent::tbx:conceptEntry"
    )
    assert evaluate(f"boolean({test})", document, "//tbx:descripGrp/tbx:admin") is True
    assert evaluate(f"boolean({test})", document, "//tbx:transacGrp/tbx:admin") is False


def test_is_root_becomes_a_node_identity_test() -> None:
    assert port_is_root(".. is root()") == "count(.. | /) = 1"
    document = "<a><b/></a>"
    assert evaluate(".. is root()", document, "/a") is True
    assert evaluate(".. is root()", document, "/a/b") is False


def test_parenthesised_step_becomes_a_predicate() -> None:
    expression = "parent::tbx:descripGrp/(parent::tbx:conceptEntry or parent::tbx:langSec)"
    assert port_parenthesised_steps(expression) == (
        "parent::tbx:descripGrp[parent::tbx:conceptEntry or parent::tbx:langSec]"
    )
    document = (
        '<conceptEntry xmlns="urn:iso:std:iso:30042:ed-2"><descripGrp><descrip/></descripGrp>'
        "<termSec><descripGrp><descrip/></descripGrp></termSec></conceptEntry>"
    )
    assert evaluate(expression, document, "/tbx:conceptEntry/tbx:descripGrp/tbx:descrip")
    assert not evaluate(expression, document, "//tbx:termSec/tbx:descripGrp/tbx:descrip")


@pytest.mark.parametrize(
    "expression",
    [
        "tokenize(., ',')",
        "string-join(tbx:term, ' ')",
        "ends-with(@id, 'x')",
        "some $t in tbx:term satisfies $t = 'x'",
        "every $t in tbx:term satisfies $t = 'x'",
        "if (@type) then 1 else 0",
        "@a eq 'x'",
    ],
)
def test_what_is_still_xpath_2_is_refused(expression: str) -> None:
    with pytest.raises(SchematronPortError):
        port_xpath(expression)


def test_xpath_1_is_left_as_it_is() -> None:
    expression = "parent::tbx:termSec or (count(tbx:term) = 1 and not(@x))"
    assert port_xpath(expression) == expression


# -- the official schematrons -------------------------------------------------------------------


def test_every_shared_schematron_ports(tbx_dir: Path) -> None:
    files = sorted(tbx_dir.rglob("*.sch"))
    assert len(files) == 7
    for path in files:
        load_schematron(path)  # raises SchematronPortError on what it cannot port


def test_the_official_samples_are_valid(tbx_dir: Path, core_rng: etree.RelaxNG) -> None:
    for dialect, sample in (
        ("basic_dialect/DCA/TBX-Basic_DCA.sch", BASIC_DCA_SAMPLE),
        (
            "basic_dialect/DCT/TBX-Basic_DCT.sch",
            "basic_dialect/DCT/Example_Astronomy_DCT_VALID.tbx",
        ),
        ("min_dialect/DCA/TBX-Min_DCA.sch", "min_dialect/DCA/Example_Astronomy_DCA_VALID.tbx"),
        ("min_dialect/DCT/TBX-Min_DCT.sch", "min_dialect/DCT/Example_Astronomy_DCT_VALID.tbx"),
        ("core_dialect/TBX-Core.sch", "core_dialect/Example_Astronomy_DCA_VALID.tbx"),
    ):
        document = etree.parse(str(tbx_dir / sample))
        assert core_rng.validate(document), (sample, core_rng.error_log)
        assert failures(load_schematron(tbx_dir / dialect), document) == [], sample


def test_the_ported_rules_reject_the_bad_test_files(tbx_dir: Path, basic_schematron) -> None:
    bad = failures(basic_schematron, etree.parse(str(tbx_dir / "test_files/basic_bad.tbx")))
    messages = {failure.message for failure in bad}
    assert "Permitted type value(s): transactionType" in messages  # transac type="theWrongType"
    assert "Permitted type value(s): responsibility" in messages  # transacNote type="wrongType"
    assert any("partOfSpeech/ type may be" in m for m in messages)  # "nominal"
    assert any("/definition/ may only appear" in m for m in messages)  # definition in a termSec
    # The "good" test file uses the older usageStatus: the v1.2.1 rules reject each of its 32
    # uses, as LTAC's notes say (../shared/tbx/README.txt).
    good = failures(basic_schematron, etree.parse(str(tbx_dir / "test_files/basic_good.tbx")))
    assert len(good) == 32
    assert {f.message for f in good} == {
        "Permitted type value(s): administrativeStatus, partOfSpeech, geographicalUsage, "
        "grammaticalGender, termLocation, termType"
    }
    min_rules = load_schematron(tbx_dir / "min_dialect/DCA/TBX-Min_DCA.sch")
    assert failures(min_rules, etree.parse(str(tbx_dir / "test_files/min_bad.tbx")))


def _sample_with(tbx_dir: Path, change) -> etree._ElementTree:  # type: ignore[no-untyped-def]
    document = etree.parse(str(tbx_dir / BASIC_DCA_SAMPLE))
    change(document.getroot())
    return document


def test_the_ported_rules_reject_a_deliberately_broken_file(
    tbx_dir: Path, basic_schematron
) -> None:
    def first(root: etree._Element, path: str) -> etree._Element:
        return root.xpath(path, namespaces={"tbx": TBX_NS})[0]

    def wrong_status(root: etree._Element) -> None:
        first(root, "//tbx:termNote[@type='administrativeStatus']").text = "preferred"

    def context_at_concept_level(root: etree._Element) -> None:
        descrip = etree.SubElement(first(root, "//tbx:conceptEntry"), f"{{{TBX_NS}}}descrip")
        descrip.set("type", "context")
        descrip.text = "out of place"
        first(root, "//tbx:conceptEntry").insert(0, descrip)

    def wrong_dialect(root: etree._Element) -> None:
        root.set("type", "TBX-Min")

    def linked(target: str):  # type: ignore[no-untyped-def]
        # <hi> has a target and no type: the only rule that fires for it is the target rule
        def change(root: etree._Element) -> None:
            note = first(root, "//tbx:conceptEntry/tbx:note")
            etree.SubElement(note, f"{{{TBX_NS}}}hi", target=target).text = "link"

        change.__name__ = f"linked to {target}"
        return change

    ftp_target = linked("ftp://example.org/person")

    def dct_element(root: etree._Element) -> None:
        first(root, "//tbx:termSec").append(etree.Element("{http://www.tbxinfo.net/ns/basic}x"))

    for change, expected in (
        (wrong_status, "/administrativeStatus/ type may be: 'admittedTerm-admn-sts' or "
                       "'deprecatedTerm-admn-sts' or 'supersededTerm-admn-sts' or "
                       "'preferredTerm-admn-sts'"),
        (context_at_concept_level, "/context/ may only appear at level(s): termSec"),
        (wrong_dialect, "The name of this dialect should be TBX-Basic."),
        (ftp_target, "ID must be IDREF for internal references or URI following HTTP protocol "
                     "for external references."),
        (dct_element, "DCT style elements are not permitted in DCA style TBX."),
    ):  # fmt: skip
        found = failures(basic_schematron, _sample_with(tbx_dir, change))
        assert expected in {f.message for f in found}, change.__name__

    # and the regular-expression rule lets an http(s) URL, or an id of the document, through
    for target in ("https://example.org/person", "pe324as3-9615-4d41-a9c8-30c36bffe0e6"):
        assert failures(basic_schematron, _sample_with(tbx_dir, linked(target))) == [], target
