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
      const answer = await api("/v1/terms/recognize", {
        json: { text: value, src, tgt: src === "fr" ? "en" : "fr" },
      });
      render(value, answer);
      say("");
    } catch (error) {
      fail(error);
    }
  });

  // -- translation QA (shown once the service has POST /v1/qa) --------------------------------
  const qaPanel = document.getElementById("qa-panel");
  const qaList = document.getElementById("qa-findings");
  const qaCount = document.getElementById("qa-count");

  /* Every finding of a QA answer, with the bead it belongs to: each list named `findings`
   * wherever it is (documents → beads → findings, or flatter answers). */
  function findingsOf(answer, bead = null, out = []) {
    if (Array.isArray(answer)) {
      for (const item of answer) findingsOf(item, bead, out);
    } else if (answer && typeof answer === "object") {
      if (Array.isArray(answer.findings)) {
        for (const finding of answer.findings) out.push({ finding, bead: answer.fr !== undefined ? answer : bead });
      }
      for (const [name, value] of Object.entries(answer)) {
        if (name !== "findings" && value && typeof value === "object") findingsOf(value, bead, out);
      }
    }
    return out;
  }

  function findingItem({ finding, bead }) {
    if (typeof finding !== "object" || finding === null) return el("li", { text: String(finding) });
    const kind = finding.kind || finding.type || finding.check || "";
    const expected = Array.isArray(finding.expected) && finding.expected.length
      ? ` → ${finding.expected.map((e) => e.text || e).join(" / ")}` : "";
    return el("li", { class: `finding ${finding.severity || ""}` },
      finding.severity ? el("span", { class: `badge ${finding.severity === "error" ? "deprecated" : "admitted"}`, text: finding.severity }) : null,
      " ", el("strong", { text: kind }), " ",
      el("span", { text: `${finding.message || finding.detail || ""}${expected}` }),
      finding.note ? el("p", { class: "trap-note", text: finding.note }) : null,
      bead && (bead.fr || bead.en) ? el("p", { class: "meta" },
        el("span", { lang: "fr", text: bead.fr || "∅" }), " ‖ ", el("span", { lang: "en", text: bead.en || "∅" })) : null);
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
        const answer = await api("/v1/qa", { json: { fr, en } });
        const findings = findingsOf(answer);
        qaList.replaceChildren(...findings.map(findingItem));
        qaCount.textContent = findings.length ? t("qa.count", { n: findings.length }) : t("qa.none");
        say("");
      } catch (error) {
        fail(error);
      }
    });
  });
})();
