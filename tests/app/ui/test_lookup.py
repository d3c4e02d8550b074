"""The look-up page in a real browser: results as you type in both directions, the UN-standard
equivalent first and marked, traps with their notes, "did you mean", copy, keyboard, languages,
narrow windows; and the offline API documentation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.ui.support import Service, Watch

# Playwright is in the test extra; without it these tests skip (the chromium fixture says why).
expect = pytest.importorskip(
    "playwright.sync_api", reason="needs Playwright (the test extra)"
).expect


def test_results_appear_as_you_type_with_the_un_standard_first_and_traps_flagged(
    page: Any,
) -> None:
    page.goto("/")
    box = page.get_by_label("Term in French or English")
    expect(box).to_be_focused()
    box.press_sequentially("trafic de mig", delay=20)
    result = page.locator(".result").filter(has_text="trafic de migrants").first
    expect(result).to_be_visible()
    expect(result.locator(".dir")).to_have_text("French → English")
    equivalents = result.locator(".equivalent")
    first = equivalents.first
    expect(first.locator(".text")).to_have_text("smuggling of migrants")
    expect(first.locator(".badge")).to_have_text("UN standard")
    trap = equivalents.filter(has_text="trafficking of migrants")
    expect(trap.locator(".badge")).to_have_text("trap: do not use")
    expect(trap.locator(".trap-note")).to_contain_text("False friend")
    # a trap offers no copy button; the standard term does
    expect(trap.get_by_role("button")).to_have_count(0)
    expect(result.locator(".meta").last).to_contain_text("Source: A/RES/71/1")
    assert "q=trafic+de+mig" in page.url


def test_the_other_direction_from_the_same_box(page: Any) -> None:
    page.goto("/?q=smuggling%20of")
    result = page.locator(".result").filter(has_text="English → French").first
    expect(result.locator(".matched")).to_have_text("smuggling of migrants")
    expect(result.locator(".equivalent.preferred .text")).to_have_text("trafic de migrants")


def test_each_answer_says_its_collection_the_un_seed_first(page: Any, service: Service) -> None:
    made = service.request(
        "POST",
        "/v1/collections",
        json={"name": "ui-thesaurus", "title": "A thesaurus of the UI tests", "priority": 100},
    )
    assert made.status_code == 201, made.text
    concept = service.request(
        "POST",
        "/v1/concepts",
        json={
            "collection": "ui-thesaurus",
            "terms": [
                {"lang": "fr", "text": "trafic de migrants", "status": "preferred"},
                {"lang": "en", "text": "migrant smuggling", "status": "preferred"},
            ],
        },
    )
    assert concept.status_code == 201, concept.text
    page.goto("/?q=trafic%20de%20migrants")
    results = page.locator(".result").filter(has_text="French → English")
    expect(results).to_have_count(2)
    # the shipped UN seed wins over an imported vocabulary, and each answer names its own
    seed = results.first.locator(".collection")
    expect(seed).to_have_text("Collection: un-seed")
    expect(seed).to_have_class("collection kind-seed")
    assert "UN terminology" in (seed.get_attribute("title") or "")
    vocabulary = results.nth(1)
    expect(vocabulary.locator(".equivalent .text")).to_have_text("migrant smuggling")
    expect(vocabulary.locator(".collection")).to_have_text("Collection: ui-thesaurus")
    expect(vocabulary.locator(".collection")).to_have_attribute(
        "title", "A thesaurus of the UI tests"
    )
    deleted = service.request("DELETE", f"/v1/concepts/{concept.json()['id']}")
    assert deleted.status_code in (200, 204), deleted.text


def test_a_typo_gets_did_you_mean_and_choosing_it_looks_it_up(page: Any) -> None:
    page.goto("/")
    page.get_by_label("Term in French or English").fill("trafik de migrents")
    suggestions = page.locator("#suggestions")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("heading")).to_have_text("Did you mean…")
    suggestion = suggestions.get_by_role("button", name="Look up “trafic de migrants”")
    suggestion.click()
    expect(page.get_by_label("Term in French or English")).to_have_value("trafic de migrants")
    expect(suggestions).to_be_hidden()
    expect(page.locator(".result").first.locator(".matched")).to_have_text("trafic de migrants")


def test_nothing_found_says_so(page: Any) -> None:
    page.goto("/")
    page.get_by_label("Term in French or English").fill("zzzzqqqq")
    expect(page.locator("#result-count")).to_have_text("No term found for “zzzzqqqq”.")


def test_copy_puts_the_equivalent_on_the_clipboard(page: Any) -> None:
    page.goto("/?q=trafic%20de%20migrants")
    page.get_by_role("button", name="Copy “smuggling of migrants”").click()
    expect(page.locator("#status")).to_have_text("Copied “smuggling of migrants”")
    assert page.evaluate("navigator.clipboard.readText()") == "smuggling of migrants"


def test_keyboard_alone(page: Any) -> None:
    page.goto("/")
    page.keyboard.type("traite des pers")
    expect(page.locator(".result").first).to_be_visible()
    page.keyboard.press("ArrowDown")  # into the results: the first copy button
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused and focused.startswith("Copy “")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("Copied")
    page.keyboard.press("/")  # back to the box
    expect(page.get_by_label("Term in French or English")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".result")).to_have_count(0)


def test_the_interface_switches_to_french_and_stays_so(page: Any) -> None:
    page.goto("/")
    page.get_by_role("link", name="Interface language: Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_label("Terme en français ou en anglais")).to_be_visible()
    page.get_by_role("link", name="Vérifier un texte").click()
    expect(page.get_by_role("heading", name="Vérifier un texte")).to_be_visible()
    page.goto("/?q=trafic%20de%20migrants")
    expect(page.locator(".badge.preferred").first).to_have_text("norme ONU")
    page.get_by_role("link", name="Langue de l'interface: English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "q=trafic+de+migrants" in page.url  # the same look-up, in the other language
    expect(page.locator(".badge.preferred").first).to_have_text("UN standard")


LABELLED = """() => {
  const unnamed = [];
  for (const node of document.querySelectorAll('input, select, textarea, button')) {
    if (node.type === 'hidden') continue;
    const named = node.labels?.length || node.getAttribute('aria-label') ||
      (node.tagName === 'BUTTON' && node.textContent.trim());
    if (!named) unnamed.push(node.outerHTML.slice(0, 80));
  }
  return unnamed;
}"""


def test_every_control_of_every_page_has_a_label(page: Any) -> None:
    for path in ("/?q=trafic", "/check", "/align", "/jobs", "/desk"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate(LABELLED) == [], path


def test_usable_on_a_narrow_window(page: Any, service: Service) -> None:
    # a job in the list, so that the jobs page has its widest row
    job = {"documents": [{"name": "narrow", "fr": "Bonjour.", "en": "Hello."}]}
    assert service.request("POST", "/v1/jobs", "reader", json=job).status_code == 202
    page.set_viewport_size({"width": 380, "height": 800})
    for path in ("/?q=trafic%20de%20migrants", "/check", "/align", "/jobs", "/desk"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 380, f"{path} scrolls sideways ({width} px)"
    page.goto("/?q=trafic%20de%20migrants")
    expect(page.locator(".result").first).to_be_in_viewport()


def test_pages_forbid_anything_but_their_own_origin(service: Service) -> None:
    for path in ("/", "/check", "/align", "/jobs", "/desk"):
        response = service.get(path)
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert "set-cookie" not in response.headers  # no cookie unless the language is chosen


def test_swagger_ui_and_redoc_render_offline(page: Any, watch: Watch) -> None:
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Alinea")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    page.goto("/redoc")
    expect(page.locator("h1").first).to_contain_text("Alinea")
    expect(
        page.get_by_text("Align a French translation with its English original").first
    ).to_be_attached()
