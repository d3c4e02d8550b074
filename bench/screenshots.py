"""Screenshots of the interface's main pages for the README, regenerated from a real service.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots]

Starts ``alinea serve`` on a temporary SQLite database with the seed termbase, makes a
terminologist's key, and drives headless Chromium (Debian's package, Playwright for Python)
through each page at 1,280 px (and the look-up at 390 px, in French), writing one PNG a page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _ui import ROOT, chromium, serve  # noqa: E402

FR = (
    "Les États Membres luttent contre la traite des personnes et le trafic de migrants, "
    "conformément au Protocole relatif à la traite des personnes.\n"
    "Ils renforcent la coopération internationale.\n\n"
    "Le Secrétaire général présentera un rapport à l'Assemblée générale."
)
EN = (
    "Member States combat trafficking in persons and the smuggling of migrants, in accordance "
    "with the Trafficking in Persons Protocol.\n"
    "They strengthen international cooperation.\n"
    "The funds shall be allocated to the victims of trafficking in the coming biennium.\n\n"
    "The Secretary-General will submit a report to the General Assembly."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    from tests.app.ui.support import make_key

    with serve(ALINEA_LOAD_SEED="true") as (url, database_url), sync_playwright() as playwright:
        key = make_key(database_url, "terminologist", "Terminologist")
        browser = playwright.chromium.launch(executable_path=chromium(), headless=True)
        context = browser.new_context(
            base_url=url, viewport={"width": 1280, "height": 800}, locale="en-GB"
        )
        page = context.new_page()

        def shot(name: str, full: bool = False) -> None:
            page.wait_for_load_state("networkidle")
            page.screenshot(path=args.out / f"{name}.png", full_page=full)
            print(args.out / f"{name}.png")

        page.goto("/")
        page.locator("#q").press_sequentially("trafic de migr", delay=20)
        page.locator(".result").first.wait_for()
        shot("lookup")

        page.goto("/")
        page.locator("#q").fill("trafiking in persns")
        page.locator("#suggestions").wait_for()
        shot("lookup-did-you-mean")

        page.goto("/check")
        page.locator("#check-text").fill(FR.replace("\n", " "))
        page.get_by_role("button", name="Check", exact=True).click()
        page.locator("#check-output button.term").nth(1).click()
        shot("check")

        page.goto("/align")
        page.locator("#align-fr").fill(FR)
        page.locator("#align-en").fill(EN)
        page.locator("#align-preseg").check()
        page.get_by_role("button", name="Align", exact=True).click()
        page.locator("#bead-rows tr").first.wait_for(timeout=120_000)
        shot("align", full=True)

        with tempfile.TemporaryDirectory() as tmp:
            files = []
            for lang, text in (("fr", FR), ("en", EN)):
                path = Path(tmp) / f"A-RES-74-176.{lang}.txt"
                path.write_text(text, encoding="utf-8")
                files.append(path)
            page.goto("/jobs")
            page.evaluate("(k) => sessionStorage.setItem('alinea.key', k)", key)
            page.reload()
            page.locator("#job-files").set_input_files(files)
            page.locator("#job-preseg").check()
            page.get_by_role("button", name="Submit").click()
            page.locator("#job-rows tr[data-state=done]").first.wait_for(timeout=120_000)
        page.locator("#conc-q").fill("traite des personnes")
        page.get_by_role("button", name="Search").click()
        page.locator("#conc-rows mark").first.wait_for()
        shot("jobs")

        page.goto("/desk")
        page.locator("#desk-q").fill("trafic de migrants")
        page.get_by_role("button", name="Open").click()
        page.locator("#history-list li").first.wait_for()
        shot("desk", full=True)

        narrow = browser.new_context(
            base_url=url, viewport={"width": 390, "height": 844}, device_scale_factor=1
        )
        page = narrow.new_page()
        page.goto("/?lang=fr&q=traite%20des%20personnes")
        page.locator(".result").first.wait_for()
        shot("lookup-narrow-fr")
        browser.close()


if __name__ == "__main__":
    main()
