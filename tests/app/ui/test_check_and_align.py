"""Checking a text (terms highlighted, equivalents on hover and click, the QA panel when the
service has QA) and aligning two sides (beads to review, corrections, TMX/TSV of the corrected
alignment, .docx and .txt files) in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.app.ui.support import Service

# Playwright is in the test extra; without it these tests skip (the chromium fixture says why).
expect = pytest.importorskip(
    "playwright.sync_api", reason="needs Playwright (the test extra)"
).expect

FRENCH = "Les États Membres luttent contre la traite des personnes et le trafic de migrants."


def test_known_terms_are_highlighted_with_their_equivalents(page: Any) -> None:
    page.goto("/check")
    page.get_by_label("Text to check").fill(FRENCH)
    page.get_by_role("button", name="Check", exact=True).click()
    marks = page.locator("#check-output button.term")
    expect(marks).to_have_count(3)
    expect(page.locator("#check-count")).to_have_text("3 terms found.")
    traite = marks.filter(has_text="traite des personnes")
    # on hover: the title lists the usable equivalents
    assert "→ trafficking in persons" in traite.get_attribute("title")
    # the whole text is still there, in order
    expect(page.locator("#check-output")).to_have_text(FRENCH)
    traite.click()
    expect(traite).to_have_attribute("aria-pressed", "true")
    details = page.locator("#check-details")
    first = details.locator(".equivalent").first
    expect(first.locator(".text")).to_have_text("trafficking in persons")
    expect(first.locator(".badge")).to_have_text("UN standard")
    # keyboard: the marks are buttons, reachable with Tab and pressed with Enter
    marks.last.focus()
    page.keyboard.press("Enter")
    expect(details.locator(".equivalent").first.locator(".text")).to_have_text(
        "smuggling of migrants"
    )


def test_a_deprecated_term_in_the_text_is_marked_as_a_trap(page: Any) -> None:
    page.goto("/check")
    page.get_by_label("Text to check").fill("We discussed the trafficking of migrants at length.")
    page.get_by_label("Language of the text").select_option("en")
    page.get_by_role("button", name="Check", exact=True).click()
    trap = page.locator("#check-output button.term.trap")
    expect(trap).to_have_text("trafficking of migrants")
    trap.click()
    expect(page.locator("#check-details .trap-note").first).to_contain_text("trap: do not use")


def test_the_qa_panel_is_there_exactly_when_the_service_has_qa(page: Any, service: Service) -> None:
    has_qa = "/v1/qa" in service.get("/openapi.json").json()["paths"]
    page.goto("/check")
    page.wait_for_load_state("networkidle")
    panel = page.locator("#qa-panel")
    if not has_qa:
        expect(panel).to_be_hidden()
        return
    expect(panel).to_be_visible()
    sent: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data_json) if request.url.endswith("/v1/qa") else None
        ),
    )
    page.get_by_label("Text to check").fill(FRENCH)
    page.get_by_label("Translation (the other language)").fill(
        "Member States combat trade in persons and the smuggling of migrants."
    )
    page.get_by_role("button", name="Run QA").click()
    # the service's first QA aligns, which loads the aligner (and may compile it)
    expect(page.locator("#qa-count")).to_have_text(
        "1 finding. 1 of 1 beads to look at.", timeout=90_000
    )
    assert sent == [
        {"fr": FRENCH, "en": "Member States combat trade in persons and the smuggling of migrants."}
    ]
    # the bead, both sides, the finding highlighted where it is, beside its kind and the
    # expected equivalent and the termbase's note
    row = page.locator("#qa-rows tr")
    expect(row).to_have_count(1)
    expect(row.locator("td.side[lang=fr]")).to_have_text(FRENCH)
    mark = row.locator("td.side[lang=en] mark.finding")
    expect(mark).to_have_text("trade in persons")
    expect(mark).to_have_class("finding deprecated error")
    finding = row.locator("ul.findings li")
    expect(finding.locator(".kind")).to_have_text("deprecated")
    expect(finding.locator(".expected")).to_contain_text("→ trafficking in persons")
    expect(finding.locator(".trap-note")).not_to_be_empty()


def test_qa_findings_of_a_missing_equivalent_and_a_number(page: Any) -> None:
    page.goto("/check")
    expect(page.locator("#qa-panel")).to_be_visible()
    page.get_by_label("Text to check").fill(
        "Le Secrétaire général présente 12 rapports sur la traite des personnes."
    )
    page.get_by_label("Language of the text").select_option("fr")
    page.get_by_label("Translation (the other language)").fill(
        "The Secretary-General submits 13 reports on the sale of people."
    )
    page.get_by_role("button", name="Run QA").click()
    row = page.locator("#qa-rows tr")
    expect(row).to_have_count(1, timeout=90_000)
    kinds = row.locator("ul.findings li .kind")
    expect(kinds).to_have_text(["number", "number", "missing-equivalent"])
    missing = row.locator("ul.findings li").filter(has_text="missing-equivalent")
    expect(missing.locator(".expected")).to_contain_text("trafficking in persons")
    expect(row.locator("td.side[lang=fr] mark.missing-equivalent")).to_have_text(
        "traite des personnes"
    )
    expect(row.locator("td.side[lang=en] mark.number")).to_have_text("13")
    expect(row.locator("td.side[lang=fr] mark.number")).to_have_text("12")


ALIGN_FR = (
    "Les États Membres luttent contre la traite des personnes.\n"
    "Ils renforcent la coopération internationale.\n\n"
    "Le Secrétaire général présentera un rapport à l'Assemblée générale.\n"
    "La présente résolution entre en vigueur immédiatement."
)
ALIGN_EN = (
    "Member States combat trafficking in persons.\n"
    "They strengthen international cooperation.\n"
    "The funds shall be allocated to the victims of trafficking in the coming biennium.\n\n"
    "The Secretary-General will submit a report to the General Assembly.\n"
    "This resolution enters into force immediately."
)


def _align(page: Any) -> Any:
    page.goto("/align")
    page.get_by_label("French (translation)").fill(ALIGN_FR)
    page.get_by_label("English (original)").fill(ALIGN_EN)
    page.get_by_label("One sentence a line (pre-segmented)").check()
    page.get_by_role("button", name="Align", exact=True).click()
    rows = page.locator("#bead-rows tr")
    # the service's first alignment loads the aligner (and may compile it into the numba cache)
    expect(rows).to_have_count(5, timeout=90_000)
    return rows


def test_beads_to_review_are_marked_and_filterable(page: Any) -> None:
    rows = _align(page)
    expect(page.locator("#align-summary")).to_have_text(
        "5 beads, 1 to review, 0 under 50 % confidence."
    )
    flagged = rows.filter(has_text="omission")
    expect(flagged).to_have_count(1)
    expect(flagged).to_have_class("review")
    page.get_by_label("Only beads to review").check()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("The funds shall be allocated")
    page.get_by_label("Only beads to review").uncheck()
    expect(rows).to_have_count(5)


def test_correct_beads_and_download_the_corrected_alignment(page: Any, tmp_path: Path) -> None:
    rows = _align(page)
    # merge bead 2 with the omission after it (with the keyboard), then move that English
    # sentence on to the bead after, then split and merge back: every step is seen at once
    merge = page.get_by_role("button", name="Merge bead 2 with the next one")
    merge.focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(4)
    assert page.evaluate("document.activeElement.closest('tr').dataset.bead") == "1"
    expect(rows.nth(1)).to_have_class("corrected")
    expect(rows.nth(1).locator("td.side[lang=en] .sentence")).to_have_count(2)
    page.get_by_role(
        "button", name="Move the last English sentence of bead 2 to the bead after"
    ).click()
    expect(rows.nth(2).locator("td.side[lang=en] .sentence")).to_have_count(2)
    expect(page.locator("#align-summary")).to_contain_text("4 beads, 0 to review")
    page.get_by_role("button", name="Split bead 3 in two").click()
    expect(rows).to_have_count(5)
    page.get_by_role("button", name="Merge bead 3 with the next one").click()
    expect(rows).to_have_count(4)

    with page.expect_download() as info:
        page.get_by_role("button", name="Download TSV").click()
    tsv = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    assert tsv[0].startswith("fr_indices\ten_indices")
    assert [row.split("\t")[:2] for row in tsv[1:]] == [
        ["0", "0"],
        ["1", "1"],
        ["2", "2,3"],
        ["3", "4"],
    ]
    with page.expect_download() as info:
        page.get_by_role("button", name="Download TMX").click()
    assert info.value.suggested_filename == "alignment.tmx"
    tmx = Path(info.value.path()).read_text(encoding="utf-8")
    assert "<tmx" in tmx and tmx.count("<tu>") + tmx.count("<tu ") == 4
    assert "The funds shall be allocated" in tmx


def test_sides_from_a_docx_and_a_text_file(page: Any, tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Les États Membres luttent contre la traite des personnes.")
    document.add_paragraph("Ils renforcent la coopération internationale.")
    french = tmp_path / "resolution.fr.docx"
    document.save(french)
    english = tmp_path / "resolution.en.txt"
    english.write_text(
        "Member States combat trafficking in persons.\n\nThey strengthen cooperation.\n",
        encoding="utf-8",
    )
    page.goto("/align")
    page.locator("#align-fr-file").set_input_files(french)
    expect(page.get_by_label("French (translation)")).to_have_value(
        "Les États Membres luttent contre la traite des personnes.\n\n"
        "Ils renforcent la coopération internationale.\n"
    )
    page.locator("#align-en-file").set_input_files(english)
    expect(page.get_by_label("English (original)")).to_have_value(
        english.read_text(encoding="utf-8")
    )
    page.get_by_role("button", name="Align", exact=True).click()
    expect(page.locator("#bead-rows tr")).to_have_count(2)
