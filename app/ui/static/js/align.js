/* Align: two sides side by side, beads to review marked and filterable, corrections made here
 * (merge, split, move a sentence) and the corrected alignment downloaded as TMX or TSV. */
"use strict";

(() => {
  const { t, el, api, fail, say } = Alinea;
  const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  const rows = document.getElementById("bead-rows");
  const onlyReview = document.getElementById("align-only-review");
  const state = { fr: [], en: [], beads: [] };

  // -- input: pasted text, a .txt file read here, or a .docx file read by the service ----------
  for (const side of ["fr", "en"]) {
    document.getElementById(`align-${side}-file`).addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      const area = document.getElementById(`align-${side}`);
      try {
        if (/\.docx$/i.test(file.name)) {
          const params = new URLSearchParams({ name: file.name });
          const answer = await api(`/ui/api/document-text?${params}`, {
            body: file, headers: { "Content-Type": DOCX },
          });
          area.value = answer.text;
        } else {
          area.value = await file.text();
        }
        area.dispatchEvent(new Event("input"));
      } catch (error) {
        fail(error);
      }
    });
  }

  document.getElementById("align-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const fr = document.getElementById("align-fr").value;
    const en = document.getElementById("align-en").value;
    if (!fr.trim() || !en.trim()) return;
    say(t("status.loading"), { sticky: true });
    try {
      const answer = await api("/v1/align", {
        json: { fr, en, presegmented: document.getElementById("align-preseg").checked },
      });
      load(answer);
      say("");
    } catch (error) {
      fail(error);
    }
  });

  function load(answer) {
    state.fr = answer.fr.sentences.map((s) => s.text);
    state.en = answer.en.sentences.map((s) => s.text);
    state.beads = answer.paragraphs.flatMap((paragraph, p) => paragraph.sentences.map((bead) => ({
      fr: [...bead.fr], en: [...bead.en], confidence: bead.confidence, review: bead.review,
      paragraph: p, corrected: false,
    })));
    const warnings = document.getElementById("align-warnings");
    warnings.replaceChildren(...answer.warnings.map((w) => el("li", { text: w })));
    document.getElementById("align-result").hidden = false;
    render();
  }

  // -- corrections ------------------------------------------------------------------------------
  const fresh = (bead, fr, en) => ({ fr, en, confidence: 1, review: null, paragraph: bead.paragraph, corrected: true });

  const actions = {
    merge(i) {
      const [a, b] = state.beads.slice(i, i + 2);
      state.beads.splice(i, 2, fresh(a, [...a.fr, ...b.fr], [...a.en, ...b.en]));
    },
    split(i) {
      const bead = state.beads[i];
      const hf = Math.ceil(bead.fr.length / 2), he = Math.ceil(bead.en.length / 2);
      let first = fresh(bead, bead.fr.slice(0, hf), bead.en.slice(0, he));
      let second = fresh(bead, bead.fr.slice(hf), bead.en.slice(he));
      if (!second.fr.length && !second.en.length) {
        first = fresh(bead, bead.fr, []);
        second = fresh(bead, [], bead.en);
      }
      state.beads.splice(i, 1, first, second);
    },
    move(i, side, up) {
      const bead = state.beads[i];
      const other = state.beads[up ? i - 1 : i + 1];
      const updated = fresh(bead, [...bead.fr], [...bead.en]);
      const target = fresh(other, [...other.fr], [...other.en]);
      if (up) target[side].push(updated[side].shift());
      else target[side].unshift(updated[side].pop());
      state.beads[i] = updated;
      state.beads[up ? i - 1 : i + 1] = target;
      if (!updated.fr.length && !updated.en.length) state.beads.splice(i, 1);
    },
  };

  function can(name, i) {
    const bead = state.beads[i];
    const last = state.beads.length - 1;
    switch (name) {
      case "merge": return i < last;
      case "split": return bead.fr.length + bead.en.length >= 2;
      case "fr-up": return i > 0 && bead.fr.length > 0;
      case "fr-down": return i < last && bead.fr.length > 0;
      case "en-up": return i > 0 && bead.en.length > 0;
      case "en-down": return i < last && bead.en.length > 0;
      default: return false;
    }
  }

  function apply(name, i) {
    if (!can(name, i)) return;
    if (name === "merge" || name === "split") actions[name](i);
    else actions.move(i, name.slice(0, 2), name.endsWith("up"));
    render();
    // Keep the keyboard where it was: the same action of the same bead, or the bead's first.
    const row = rows.querySelector(`tr[data-bead="${Math.min(i, state.beads.length - 1)}"]`);
    (row?.querySelector(`button[data-action="${name}"]:not([disabled])`) || row?.querySelector("button:not([disabled])"))?.focus();
  }

  // -- display ----------------------------------------------------------------------------------
  const toReview = (bead) => !bead.corrected && (bead.review || bead.confidence < 0.5);

  function render() {
    const fragment = document.createDocumentFragment();
    let paragraph = -1;
    let review = 0, low = 0;
    state.beads.forEach((bead, i) => {
      if (toReview(bead)) review += bead.review ? 1 : 0;
      if (!bead.corrected && bead.confidence < 0.5) low += 1;
      const startsParagraph = bead.paragraph !== paragraph;
      paragraph = bead.paragraph;
      if (onlyReview.checked && !toReview(bead)) return;
      const n = i + 1;
      const button = (name, label, longLabel) => el("button", {
        type: "button", class: "small", dataset: { action: name }, disabled: !can(name, i),
        "aria-label": t(longLabel, { n }), title: t(longLabel, { n }),
        onclick: () => apply(name, i), text: t(label),
      });
      const flag = bead.corrected ? t("align.corrected")
        : bead.review ? t(`align.${bead.review}`) : bead.confidence < 0.5 ? t("align.low") : "";
      fragment.append(el("tr", {
        class: [startsParagraph ? "paragraph-start" : "", toReview(bead) ? "review" : "", bead.corrected ? "corrected" : ""].join(" ").trim(),
        dataset: { bead: i, review: bead.review || "" },
      },
        el("th", { scope: "row" }, `${n}`, el("span", { class: "meta" }, ` ${bead.fr.length}-${bead.en.length}`)),
        el("td", { class: "side", lang: "fr" }, bead.fr.map((s) => el("span", { class: "sentence", text: state.fr[s] }))),
        el("td", { class: "side", lang: "en" }, bead.en.map((s) => el("span", { class: "sentence", text: state.en[s] }))),
        el("td", {}, flag ? el("span", { class: `badge ${bead.review || (bead.corrected ? "preferred" : "admitted")}`, text: flag }) : "",
          el("span", { class: "meta", text: ` ${Math.round(bead.confidence * 100)} %` })),
        el("td", {}, el("div", { class: "actions" },
          button("merge", "align.merge", "align.merge.label"),
          button("split", "align.split", "align.split.label"),
          button("fr-up", "align.fr_up", "align.fr_up.label"),
          button("fr-down", "align.fr_down", "align.fr_down.label"),
          button("en-up", "align.en_up", "align.en_up.label"),
          button("en-down", "align.en_down", "align.en_down.label")))));
    });
    rows.replaceChildren(fragment);
    document.getElementById("align-summary").textContent = t("align.summary", {
      beads: state.beads.length, review, low,
    });
  }

  onlyReview.addEventListener("change", render);

  async function exportAs(format) {
    try {
      const response = await api(`/ui/api/align/export?format=${format}`, {
        raw: true,
        json: {
          fr: state.fr, en: state.en,
          beads: state.beads.map((b) => ({ fr: b.fr, en: b.en, confidence: b.confidence, review: b.review })),
        },
      });
      await Alinea.download(response, `alignment.${format}`);
    } catch (error) {
      fail(error);
    }
  }
  document.getElementById("align-tmx").addEventListener("click", () => exportAs("tmx"));
  document.getElementById("align-tsv").addEventListener("click", () => exportAs("tsv"));
})();
