"""How fast the look-up page is in a real browser: first paint, and results after typing stops.

    .venv/bin/python bench/ui_timing.py [--runs 30] [--db sqlite:///bench/out/termbase-100k.db]

Starts ``alinea serve`` (a temporary SQLite database with the seed termbase unless --db; rate
limits off), then drives headless Chromium (Debian's package, Playwright for Python):

- first paint: ``--runs`` loads of ``/`` in a new browser context each (nothing cached), the
  ``first-contentful-paint`` entry of the Paint Timing API (ms from navigation start), and the
  same with the browser's cache warm (a reload in one context);
- results after typing stops: for each query of a list (prefix hits in both languages, and typos
  that fall back to fuzzy "did you mean"), typed into the box key by key; the time from the last
  ``input`` event to the page's ``alinea:results`` performance mark (set once the results are
  in the page), so it includes the page's 25 ms debounce, both HTTP look-ups (and the two fuzzy
  ones when nothing matched) and rendering.

Prints p50 / p95 / max. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _ui import chromium, serve  # noqa: E402

QUERIES = [
    "trafic de migrants",
    "traite des",
    "États Membres",
    "smuggling",
    "Member State",
    "victim",
    "trafik de migrents",  # typo: fuzzy fallback
    "Etats membre",
    "trafficing in persons",  # typo
    "protocole",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> None:
    print(
        f"{name:<44} n={len(values):>3}  p50 {statistics.median(values):6.1f} ms  "
        f"p95 {percentile(values, 0.95):6.1f} ms  max {max(values):6.1f} ms"
    )


FCP = """() => new Promise((resolve) => {
  const find = () => performance.getEntriesByName('first-contentful-paint')[0];
  if (find()) return resolve(find().startTime);
  new PerformanceObserver(() => find() && resolve(find().startTime))
    .observe({ type: 'paint', buffered: true });
})"""

ARM = """() => {
  window.__lastInput = 0;
  document.getElementById('q').addEventListener('input',
    () => { window.__lastInput = performance.now(); }, true);
  performance.clearMarks('alinea:results');
}"""

ELAPSED = """(q) => {
  const marks = performance.getEntriesByName('alinea:results');
  return marks[marks.length - 1].startTime - window.__lastInput;
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db", help="SQLAlchemy URL of an existing database (default: seed)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    seed = "false" if args.db else "true"
    with serve(args.db, ALINEA_LOAD_SEED=seed) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), headless=True)
        print(f"Chromium {browser.version}, service {url}")
        cold, warm = [], []
        for _ in range(args.runs):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url + "/")
            cold.append(page.evaluate(FCP))
            page.reload()
            warm.append(page.evaluate(FCP))
            context.close()
        summary("look-up page, first contentful paint (cold)", cold)
        summary("look-up page, first contentful paint (warm)", warm)

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url + "/")
        prefix, fuzzy = [], []
        for _ in range(max(1, args.runs // len(QUERIES) + 1)):
            for query in QUERIES:
                page.fill("#q", "")
                page.wait_for_function("() => !document.body.dataset.shown")
                page.evaluate(ARM)
                page.locator("#q").press_sequentially(query, delay=30)
                page.wait_for_function(
                    "(q) => document.body.dataset.shown === q", arg=query.strip()
                )
                elapsed = page.evaluate(ELAPSED, query)
                did_you_mean = page.locator("#suggestions").is_visible()
                (fuzzy if did_you_mean else prefix).append(elapsed)
        summary("results after typing stops (prefix)", prefix)
        if fuzzy:
            summary("results after typing stops (fuzzy fallback)", fuzzy)
        summary("results after typing stops (all)", prefix + fuzzy)
        browser.close()


if __name__ == "__main__":
    main()
