/* Look-up: one box, both directions, results as you type, "did you mean" when nothing matches. */
"use strict";

(() => {
  const { t, el, api, fail, conceptMeta, equivalentItem } = Alinea;
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  const count = document.getElementById("result-count");
  const suggestions = document.getElementById("suggestions");
  const suggestionList = document.getElementById("suggestion-list");
  const DIRECTIONS = [["fr", "en"], ["en", "fr"]];
  const LIMIT = 10;
  let controller = null;
  let shown = "";

  function lookup(q, src, tgt, match, signal) {
    const params = new URLSearchParams({ q, src, tgt, match, limit: String(LIMIT) });
    return api(`/v1/terms?${params}`, { signal }).then((page) =>
      page.items.map((item) => ({ ...item, src, tgt })));
  }

  function renderMatch(match) {
    const direction = match.src === "fr" ? t("lookup.fr_en") : t("lookup.en_fr");
    const equivalents = match.equivalents.length
      ? el("ul", { class: "equivalents", "aria-label": t("lookup.equivalents") },
        match.equivalents.map((term) => equivalentItem(term)))
      : el("p", { class: "meta", text: t("concept.none_usable") });
    const matchedTrap = match.matched.deprecated;
    return el("li", { class: "result", dataset: { concept: match.concept_id } },
      el("header", {},
        el("span", { class: "matched", lang: match.src, text: match.matched.text }),
        matchedTrap ? Alinea.statusBadge(match.matched.status) : null,
        el("span", { class: "dir", text: direction })),
      matchedTrap && match.matched.note ? el("p", { class: "trap-note", text: match.matched.note }) : null,
      equivalents,
      match.definition ? el("p", { class: "meta", text: `${t("concept.definition")}: ${match.definition}` }) : null,
      match.note ? el("p", { class: "meta", text: `${t("concept.note")}: ${match.note}` }) : null,
      conceptMeta(match));
  }

  function render(q, items, fuzzy) {
    results.replaceChildren(...items.map(renderMatch));
    suggestionList.replaceChildren();
    suggestions.hidden = !fuzzy || !items.length;
    if (fuzzy && items.length) {
      const seen = new Set();
      for (const item of items) {
        const text = item.matched.text;
        if (seen.has(text)) continue;
        seen.add(text);
        suggestionList.append(el("li", {},
          el("button", { type: "button", class: "suggestion", lang: item.src,
            "aria-label": t("lookup.search_this", { text }),
            onclick: () => { input.value = text; run(text); input.focus(); }, text })));
      }
    }
    count.textContent = items.length ? t("lookup.count", { n: items.length }) : t("lookup.none", { q });
    shown = q;
    document.body.dataset.shown = q;
    performance.mark("alinea:results");
  }

  async function run(raw) {
    const q = raw.trim();
    controller?.abort();
    const url = new URL(location.href);
    if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    if (!q) {
      results.replaceChildren();
      suggestions.hidden = true;
      count.textContent = "";
      shown = "";
      document.body.dataset.shown = "";
      return;
    }
    controller = new AbortController();
    const { signal } = controller;
    try {
      const [, ...found] = await Promise.all([Alinea.collections(),
        ...DIRECTIONS.map(([src, tgt]) => lookup(q, src, tgt, "prefix", signal))]);
      let items = found.flat();
      let fuzzy = false;
      if (!items.length) {
        fuzzy = true;
        items = (await Promise.all(DIRECTIONS.map(([src, tgt]) => lookup(q, src, tgt, "fuzzy", signal)))).flat();
      }
      items.sort((a, b) => b.score - a.score);
      if (!signal.aborted) render(q, items, fuzzy);
    } catch (error) {
      fail(error);
    }
  }

  const later = Alinea.debounce(run, 25);
  input.addEventListener("input", () => later(input.value));
  document.getElementById("lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim() !== shown) run(input.value);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { input.value = ""; run(""); }
    if (event.key === "ArrowDown") {
      const first = results.querySelector("button, a") || suggestionList.querySelector("button");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });
  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName || "");
    if (event.key === "/" && !typing) { event.preventDefault(); input.focus(); input.select(); }
  });
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(initial); }
})();
