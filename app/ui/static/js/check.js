/* Check a text: every known term highlighted, its equivalents on hover or click; translation QA
 * beside it when the service has POST /v1/qa. */
"use strict";

(() => {
  const { t, el, api, fail, say, equivalentItem, conceptMeta } = Alinea;
  const form = document.getElementById("check-form");
  const text = document.getElementById("check-text");
  const langSelect = document.getElementById("check-lang");
  const output = document.getElementById("check-output");
  const details = document.getElementById("check-details");
  const countBox = document.getElementById("check-count");

  const FRENCH = new Set("le la les des du de et est une un dans pour sur par au aux que qui ne pas ses leur leurs d l".split(" "));
  const ENGLISH = new Set("the of and to in is are for on by that with as be this which it its their".split(" "));

  /* French or English, from the commonest words (the user may choose instead). */
  function detect(value) {
    let fr = 0, en = 0;
    for (const word of value.toLowerCase().split(/[^\p{L}]+/u)) {
      if (FRENCH.has(word)) fr += 1;
      if (ENGLISH.has(word)) en += 1;
    }
    if (/[éèêàçùœ]/i.test(value)) fr += 1;
    return fr >= en ? "fr" : "en";
  }

  function language() {
    return langSelect.value === "auto" ? detect(text.value) : langSelect.value;
  }

  function summary(term) {
    const lines = [];
    for (const concept of term.concepts) {
      const usable = concept.equivalents.filter((e) => !e.deprecated).map((e) => e.text);
      lines.push(usable.length ? `→ ${usable.join(" / ")}` : t("concept.none_usable"));
      for (const warning of concept.warnings) lines.push(`⚠ ${warning}`);
    }
    return lines.join("\n");
  }

  function showDetails(term, button) {
    for (const other of output.querySelectorAll("button.term[aria-pressed='true']")) {
      other.setAttribute("aria-pressed", "false");
    }
    button.setAttribute("aria-pressed", "true");
    details.replaceChildren(
      el("p", { class: "matched", text: term.text }),
      ...term.concepts.map((concept) => el("div", { class: "result" },
        concept.matched.deprecated ? el("p", { class: "trap-note",
          text: `${concept.matched.text}: ${t(`term.${concept.matched.status}`)}${concept.matched.note ? ` – ${concept.matched.note}` : ""}` }) : null,
        el("ul", { class: "equivalents", "aria-label": t("lookup.equivalents") },
          concept.equivalents.map((term) => equivalentItem(term))),
        concept.definition ? el("p", { class: "meta", text: `${t("concept.definition")}: ${concept.definition}` }) : null,
        conceptMeta(concept))));
  }

  function render(value, answer) {
    const chars = Array.from(value); // offsets are in code points
    const parts = [];
    let at = 0;
    answer.terms.forEach((term, number) => {
      if (term.start > at) parts.push(chars.slice(at, term.start).join(""));
      const trap = term.concepts.some((c) => c.matched.deprecated);
      parts.push(el("button", {
        type: "button", class: `term${trap ? " trap" : ""}`, title: summary(term),
        "aria-pressed": "false", dataset: { index: number },
        onclick: (event) => showDetails(term, event.currentTarget),
        text: chars.slice(term.start, term.end).join(""),
      }));
      at = term.end;
    });
    if (at < chars.length) parts.push(chars.slice(at).join(""));
    output.replaceChildren(...parts);
    output.lang = answer.src;
    let message = answer.terms.length ? t("check.found", { n: answer.found }) : t("check.none");
    if (answer.truncated) message += ` ${t("check.truncated", { n: answer.terms.length, found: answer.found })}`;
    countBox.textContent = message;
    details.replaceChildren(el("p", { class: "hint", text: t("check.pick") }));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = text.value;
    if (!value.trim()) return;
    const src = language();
    say(t("status.loading"), { sticky: true });
    try {
      const [answer] = await Promise.all([
        api("/v1/terms/recognize", { json: { text: value, src, tgt: src === "fr" ? "en" : "fr" } }),
        Alinea.collections(),
      ]);
      render(value, answer);
      say("");
    } catch (error) {
      fail(error);
    }
  });

  // -- translation QA (shown once the service has POST /v1/qa) --------------------------------
  const qaPanel = document.getElementById("qa-panel");
  const qaRows = document.getElementById("qa-rows");
  const qaCount = document.getElementById("qa-count");

  /* One side of a bead with the findings that point into it marked (offsets in code points,
   * as the service counts them; overlapping spans after the first are listed, not marked). */
  function markedSide(value, lang, findings) {
    const chars = Array.from(value || "");
    const spans = findings
      .filter((f) => f.lang === lang && f.start !== null && f.end !== null && f.start < f.end)
      .sort((a, b) => a.start - b.start);
    const parts = [];
    let at = 0;
    for (const finding of spans) {
      if (finding.start < at || finding.end > chars.length) continue;
      if (finding.start > at) parts.push(chars.slice(at, finding.start).join(""));
      parts.push(el("mark", { class: `finding ${finding.kind} ${finding.severity}`, title: `${finding.kind}: ${finding.message}`,
        text: chars.slice(finding.start, finding.end).join("") }));
      at = finding.end;
    }
    if (at < chars.length) parts.push(chars.slice(at).join(""));
    return el("td", { class: "side", lang }, chars.length ? parts : el("span", { class: "meta", text: "∅" }));
  }

  function findingItem(finding) {
    const expected = finding.expected.length ? ` → ${finding.expected.join(" / ")}` : "";
    return el("li", { class: `finding ${finding.severity}`, dataset: { kind: finding.kind } },
      el("span", { class: `badge ${finding.severity === "error" ? "deprecated" : "admitted"}`, text: finding.severity }),
      " ", el("strong", { class: "kind", text: finding.kind }), " ",
      el("span", { class: "message", text: finding.message }),
      expected ? el("span", { class: "expected", text: expected }) : null,
      finding.note ? el("p", { class: "trap-note", text: finding.note }) : null);
  }

  /* The report of POST /v1/qa: one row a bead with findings, its two sides (the findings
   * marked) beside the list of findings. */
  function renderQA(answer) {
    const rows = [];
    for (const documentReport of answer.documents) {
      for (const bead of documentReport.beads) {
        rows.push(el("tr", { dataset: { bead: bead.position }, class: bead.review ? "review" : null },
          el("td", { class: "n", text: String(bead.position + 1) }),
          markedSide(bead.fr, "fr", bead.findings),
          markedSide(bead.en, "en", bead.findings),
          el("td", {}, el("ul", { class: "findings" }, bead.findings.map(findingItem)))));
      }
    }
    qaRows.replaceChildren(...rows);
    const { findings, beads } = answer.summary;
    qaCount.textContent = findings
      ? `${t("qa.count", { n: findings })} ${t("qa.beads", { n: answer.summary.beads_with_findings, total: beads })}`
      : t("qa.none", { total: beads });
    document.getElementById("qa-table").hidden = !rows.length;
  }

  Alinea.apiPaths().then((paths) => {
    if (!paths["/v1/qa"]?.post) return;
    qaPanel.hidden = false;
    document.getElementById("qa-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const source = text.value;
      const translation = document.getElementById("qa-translation").value;
      if (!source.trim() || !translation.trim()) return;
      const fr = language() === "fr" ? source : translation;
      const en = fr === source ? translation : source;
      say(t("status.loading"), { sticky: true });
      try {
        renderQA(await api("/v1/qa", { json: { fr, en } }));
        say("");
      } catch (error) {
        fail(error);
      }
    });
  });
})();
