"""Jobs (submit files, watch them finish, download results, search the concordance) and the
terminologist's desk (sign in with a key, edit with If-Match, history as diffs, restore, import
with the dry run's report first, export) in a real browser."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.ui.support import Service, Watch, sign_in, start_service, stop_service

# Playwright is in the test extra; without it these tests skip (the chromium fixture says why).
expect = pytest.importorskip(
    "playwright.sync_api", reason="needs Playwright (the test extra)"
).expect

FR = "Les États Membres luttent contre la traite des personnes.\nIls renforcent la coopération.\n"
EN = "Member States combat trafficking in persons.\nThey strengthen cooperation.\n"


def test_a_bad_key_is_refused_and_the_key_is_never_a_cookie(
    page: Any, service: Service, watch: Watch
) -> None:
    watch.allow("status of 401")
    page.goto("/jobs")
    expect(page.locator("#jobs-key-needed")).to_be_visible()
    expect(page.get_by_role("button", name="Submit")).to_be_disabled()
    page.locator("#key-summary").click()
    page.get_by_label("API key", exact=True).fill("alinea_not-a-key")
    page.locator("#key-signin").click()
    expect(page.locator("#status")).to_contain_text("not valid")
    sign_in(page, service.keys["reader"])
    expect(page.locator("#jobs-key-needed")).to_be_hidden()
    assert page.context.cookies() == []
    assert page.evaluate("sessionStorage.getItem('alinea.key')") == service.keys["reader"]
    # the key stays with the tab: another page of the same tab is signed in too
    page.get_by_role("link", name="Terminologist's desk").click()
    expect(page.locator("#desk-key-needed")).to_be_hidden()
    page.locator("#key-summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#desk-key-needed")).to_be_visible()


def test_submit_files_watch_progress_download_and_search(
    page: Any, service: Service, tmp_path: Path
) -> None:
    files = []
    for lang, text in (("fr", FR), ("en", EN)):
        path = tmp_path / f"resolution.{lang}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    archive = tmp_path / "more.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("report.fr.txt", "Le trafic de migrants est un crime.\n")
        zipped.writestr("report.en.txt", "The smuggling of migrants is a crime.\n")
    page.goto("/jobs")
    sign_in(page, service.keys["reader"])
    page.get_by_label("Document pairs").set_input_files([*files, archive])
    page.get_by_label("One sentence a line (pre-segmented)").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#status")).to_contain_text("submitted")
    row = page.locator("#job-rows tr").first
    # progress is polled until the job is done
    expect(row.locator(".state")).to_have_text("done", timeout=90_000)
    expect(row.locator("progress")).to_have_attribute("value", "2")
    job_id = row.get_attribute("data-job")
    with page.expect_download() as info:
        row.get_by_role("button", name=f"Job {job_id}: TMX").click()
    tmx = Path(info.value.path()).read_text(encoding="utf-8")
    assert "trafficking in persons" in tmx and "smuggling of migrants" in tmx

    page.get_by_label("Words or “a phrase”").fill("traite")
    page.get_by_role("button", name="Search").click()
    hit = page.locator("#conc-rows tr").first
    expect(hit.locator("mark")).to_have_text("traite")
    expect(hit).to_contain_text("Member States combat trafficking in persons.")
    expect(hit).to_contain_text(f"job {job_id}, resolution")
    page.get_by_label("Words or “a phrase”").fill("traite des personnes")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#conc-rows tr").first.locator("mark")).to_have_text("traite des personnes")


def test_create_edit_conflict_history_and_restore_a_concept(
    page: Any, service: Service, watch: Watch
) -> None:
    watch.allow("status of 412")  # the conflict provoked below
    page.goto("/desk")
    expect(page.locator("#desk-key-needed")).to_be_visible()
    sign_in(page, service.keys["terminologist"])
    page.get_by_role("button", name="New concept").click()
    page.get_by_label("Subject field").fill("customs")
    page.get_by_label("Term 1", exact=True).fill("agent des douanes")
    page.get_by_label("Term 2", exact=True).fill("customs officer")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#status")).to_contain_text("created")
    title = page.locator("#editor-title")
    expect(title).to_contain_text("revision 1")
    concept_id = int(title.inner_text().split()[1].rstrip(","))

    # edit: a note on the English term and a new admitted term, saved with If-Match
    page.get_by_label("Note 2", exact=True).fill("Title used in the WCO glossary.")
    page.get_by_role("button", name="Add a term").click()
    page.get_by_label("Language 3", exact=True).fill("en")
    page.get_by_label("Term 3", exact=True).fill("customs official")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#status")).to_have_text("Saved: revision 2.")
    history = page.locator("#history-list > li")
    expect(history).to_have_count(2)
    expect(history.first.locator("ins").first).to_be_visible()
    expect(history.first).to_contain_text("customs official")

    # someone else changes it meanwhile: saving is refused (412), reloading shows theirs
    changed = service.request(
        "PATCH", f"/v1/concepts/{concept_id}", json={"definition": "A person of the customs."}
    )
    assert changed.status_code == 200, changed.text
    page.get_by_label("Note 1", exact=True).fill("mine")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#status")).to_contain_text("Someone changed this concept meanwhile")
    page.get_by_role("button", name="Reload").click()
    expect(page.get_by_label("Definition")).to_have_value("A person of the customs.")
    expect(title).to_contain_text("revision 3")

    # the history as diffs, and revision 1 restored as revision 4
    expect(history).to_have_count(3)
    definition = history.first.locator(".diff").filter(has_text="definition")
    expect(definition.locator("ins")).to_have_text("A person of the customs.")
    page.get_by_role("button", name="Restore revision 1").click()
    expect(page.locator("#status")).to_have_text("Revision 1 restored as revision 4.")
    expect(page.get_by_label("Definition")).to_have_value("")
    expect(page.locator("#term-rows tr")).to_have_count(2)
    concept = service.get(f"/v1/concepts/{concept_id}").json()
    assert concept["revision"] == 4 and concept["definition"] is None


def test_find_a_concept_by_term(page: Any, service: Service) -> None:
    page.goto("/desk")
    sign_in(page, service.keys["terminologist"])
    page.get_by_label("Find a concept").fill("trafic de migrants")
    page.get_by_role("button", name="Open").click()
    expect(page.locator("#editor-title")).to_contain_text("Concept 2")
    expect(page.get_by_label("Term 1", exact=True)).to_have_value("trafic de migrants")


def test_import_shows_the_dry_run_report_before_committing(
    page: Any, service: Service, tmp_path: Path, watch: Watch
) -> None:
    watch.allow("status of 422")
    bad = tmp_path / "bad.csv"
    bad.write_text("en,en:status\nfoo,bogus\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("en,fr\nborder guard,garde-frontière\n", encoding="utf-8")
    page.goto("/desk")
    sign_in(page, service.keys["terminologist"])
    page.get_by_label("Termbase file").set_input_files(bad)
    page.get_by_role("button", name="Check (dry run)").click()
    errors = page.locator("#import-report table").filter(has_text="Errors")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors).to_contain_text("2:2")
    expect(errors).to_contain_text("'bogus' is not one of")
    expect(page.get_by_role("button", name="Import for real")).to_be_disabled()

    page.get_by_label("Termbase file").set_input_files(good)
    page.get_by_role("button", name="Check (dry run)").click()
    counts = page.locator("#import-report table").first
    expect(counts.locator("tbody tr").first).to_contain_text("Concepts1")
    lookup = "/v1/terms?q=border%20guard&src=en&tgt=fr"
    assert service.get(lookup).json()["items"] == []  # a dry run writes nothing
    page.get_by_role("button", name="Import for real").click()
    expect(page.locator("#status")).to_have_text("Imported.")
    assert service.get(lookup).json()["items"][0]["equivalents"][0]["text"] == "garde-frontière"


def test_export_downloads_the_termbase(page: Any, service: Service) -> None:
    page.goto("/desk")
    page.get_by_label("Format").select_option("csv")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("concept_id,") and "trafic de migrants" in text


@pytest.fixture(scope="module")
def local_service(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """``alinea serve`` with ALINEA_AUTH=off (loopback, no keys at all)."""
    started = start_service(tmp_path_factory.mktemp("ui-local"), ALINEA_AUTH="off")
    yield started
    stop_service(started.process)


def test_without_keys_the_pages_write_as_json(
    browser: Any, local_service: Service, tmp_path: Path, watch: Watch
) -> None:
    """With ALINEA_AUTH=off nobody signs in: the desk saves and jobs are submitted all the same,
    as JSON or a zip with its own type (a form upload without a key is refused, rightly)."""
    context = browser.new_context(base_url=local_service.url, locale="en-GB")
    page = context.new_page()
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto("/desk")
        expect(page.locator("#desk-key-needed")).to_be_hidden()
        page.get_by_role("button", name="New concept").click()
        page.get_by_label("Term 1", exact=True).fill("poste frontière")
        page.get_by_label("Term 2", exact=True).fill("border post")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#status")).to_contain_text("created")

        page.goto("/jobs")
        expect(page.locator("#jobs-key-needed")).to_be_hidden()
        files = []
        for lang, text in (("fr", FR), ("en", EN)):
            path = tmp_path / f"local.{lang}.txt"
            path.write_text(text, encoding="utf-8")
            files.append(path)
        page.get_by_label("Document pairs").set_input_files(files)
        page.get_by_role("button", name="Submit").click()
        expect(page.locator("#job-rows tr").first.locator(".state")).to_have_text(
            "done", timeout=90_000
        )
        archive = tmp_path / "local.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("z.fr.txt", FR)
            zipped.writestr("z.en.txt", EN)
        page.get_by_label("Document pairs").set_input_files(archive)
        page.get_by_role("button", name="Submit").click()
        expect(page.locator("#job-rows tr")).to_have_count(2)
    finally:
        context.close()
    assert not watch.unexpected(), watch.unexpected()


def test_candidates_are_listed_edited_accepted_and_rejected(page: Any, service: Service) -> None:
    example = {"ref": "ui#3", "fr": "Les victimes de la traite.", "en": "Victims of trafficking."}
    proposed = service.request(
        "POST",
        "/v1/term-candidates",
        role="terminologist",
        json={
            "source": "job ui",
            "candidates": [
                {"fr": "victimes de la traite", "en": "victims of trafficking", "score": 41.5,
                 "frequency": 12, "examples": [example]},
                {"fr": "la présente", "en": "this", "score": 3.0, "frequency": 2},
                {"fr": "examen périodique", "en": "periodic review", "score": 9.0,
                 "frequency": 4},
            ],
        },
    )  # fmt: skip
    assert proposed.status_code == 200, proposed.text
    first, second, third = proposed.json()["candidate_ids"]

    page.goto("/desk")
    sign_in(page, service.keys["terminologist"])
    rows = page.locator("#candidate-rows tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("ui#3: Les victimes de la traite.")
    expect(rows.first).to_contain_text("score 41.50, 12 beads")
    expect(rows.first).to_contain_text("job ui")

    # an edit saved on its own, without deciding
    page.get_by_label("English: examen périodique ↔ periodic review").fill("periodic reviews")
    page.get_by_role("button", name="Save: examen périodique ↔ periodic review").click()
    expect(page.locator("#status")).to_contain_text("Saved: examen périodique ↔ periodic reviews")
    assert service.get(f"/v1/term-candidates/{third}").json()["en"] == "periodic reviews"

    # edited then accepted: a concept of the team's collection, the example bead as context
    page.get_by_label("French: victimes de la traite ↔ victims of trafficking").fill(
        "victime de la traite"
    )
    page.get_by_role(
        "button", name="Accept: victimes de la traite ↔ victims of trafficking"
    ).click()
    expect(rows).to_have_count(2)
    accepted = service.get(f"/v1/term-candidates/{first}").json()
    assert accepted["status"] == "accepted" and accepted["fr"] == "victime de la traite"
    concept = service.get(f"/v1/concepts/{accepted['concept_id']}").json()
    assert concept["collection"] == "team"
    french = next(term for term in concept["terms"] if term["lang"] == "fr")
    assert french["text"] == "victime de la traite" and french["status"] == "preferred"
    assert french["context"] == example["fr"] and french["source"] == "job ui"

    # rejected: gone from the queue and never proposed again
    page.get_by_role("button", name="Reject: la présente ↔ this").click()
    expect(rows).to_have_count(1)
    assert service.get(f"/v1/term-candidates/{second}").json()["status"] == "rejected"
    again = service.request(
        "POST",
        "/v1/term-candidates",
        role="terminologist",
        json={"candidates": [{"fr": "la présente", "en": "this"}]},
    ).json()
    assert again["queued"] == 0 and again["rejected_before"] == 1
    page.get_by_role("button", name="Reject: examen périodique ↔ periodic review").click()
    expect(rows.first).to_have_text("No candidate to review.")


def test_a_reader_may_see_the_candidates_but_not_decide(
    page: Any, service: Service, watch: Watch
) -> None:
    watch.allow("status of 403")
    proposed = service.request(
        "POST",
        "/v1/term-candidates",
        role="terminologist",
        json={"candidates": [{"fr": "droit international", "en": "international law"}]},
    )
    (candidate,) = proposed.json()["candidate_ids"]
    page.goto("/desk")
    sign_in(page, service.keys["reader"])
    page.get_by_role("button", name="Accept: droit international ↔ international law").click()
    expect(page.locator("#status")).to_contain_text("terminologist")
    assert service.get(f"/v1/term-candidates/{candidate}").json()["status"] == "pending"
    assert service.request(
        "POST", f"/v1/term-candidates/{candidate}/reject", role="terminologist"
    ).is_success
