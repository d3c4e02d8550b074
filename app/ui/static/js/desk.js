/* The terminologist's desk: edit a concept and its terms (If-Match on its ETag), its history as
 * diffs and restoring a revision, term candidates (when the service has them), import with the
 * dry run's report shown before committing, export. Writes need a terminologist's key. */
"use strict";

(() => {
  const { t, el, api, fail, say, key } = Alinea;
  const STATUSES = ["preferred", "admitted", "deprecated", "superseded"];
  const editor = document.getElementById("editor");
  const termRows = document.getElementById("term-rows");
  const historyBox = document.getElementById("history");
  const historyList = document.getElementById("history-list");
  const reloadButton = document.getElementById("reload-concept");
  let current = null; // the concept as read (null: a new one)
  let etag = null;

  function showKeyNeed() {
    const missing = key.needed && !key.get();
    document.getElementById("desk-key-needed").hidden = !missing;
    for (const id of ["save-concept", "import-check"]) document.getElementById(id).disabled = missing;
  }
  document.addEventListener("alinea:key", showKeyNeed);
  showKeyNeed();

  const field = (id) => document.getElementById(id);
  const orNull = (value) => (value.trim() ? value.trim() : null);

  // -- finding a concept ------------------------------------------------------------------------
  document.getElementById("desk-find").addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = field("desk-q").value.trim();
    const hits = document.getElementById("desk-hits");
    if (!q) return;
    if (/^\d+$/.test(q)) { hits.replaceChildren(); open(Number(q)); return; }
    try {
      const pages = await Promise.all([["fr", "en"], ["en", "fr"]].map(([src, tgt]) =>
        api(`/v1/terms?${new URLSearchParams({ q, src, tgt, match: "prefix", limit: "10" })}`)));
      const seen = new Set();
      const items = pages.flatMap((p) => p.items).filter((i) => !seen.has(i.concept_id) && seen.add(i.concept_id));
      hits.replaceChildren(...items.map((item) => el("li", {},
        el("button", { type: "button", onclick: () => open(item.concept_id),
          text: `${t("concept.id", { id: item.concept_id })}: ${item.matched.text}` }))));
      if (items.length === 1) open(items[0].concept_id);
      if (!items.length) say(t("lookup.none", { q }));
    } catch (error) {
      fail(error);
    }
  });

  // -- the editor -------------------------------------------------------------------------------
  function termRow(term, number) {
    const input = (name, label, value) => el("input", {
      type: "text", class: `t-${name}`, "aria-label": `${label} ${number}`, value: value ?? "",
    });
    const status = el("select", { class: "t-status", "aria-label": `${t("desk.term.status")} ${number}` },
      STATUSES.map((s) => el("option", { value: s, selected: s === term.status, text: `${s} – ${t(`term.${s}`)}` })));
    const row = el("tr", { dataset: { term: JSON.stringify(term) } },
      el("td", {}, input("lang", t("desk.term.lang"), term.lang)),
      el("td", {}, input("text", t("desk.term.text"), term.text)),
      el("td", {}, status),
      el("td", {}, input("note", t("desk.term.note"), term.note)),
      el("td", {}, input("source", t("desk.term.source"), term.source)),
      el("td", {}, el("button", { type: "button", class: "small",
        "aria-label": t("desk.term.remove.label", { n: number }),
        onclick: () => { row.remove(); }, text: t("desk.term.remove") })));
    return row;
  }

  function fill(concept) {
    current = concept;
    field("editor-title").textContent = concept
      ? t("desk.concept", { id: concept.id, revision: concept.revision }) : t("desk.new_concept");
    field("c-subject").value = concept?.subject_field ?? "";
    field("c-definition").value = concept?.definition ?? "";
    field("c-note").value = concept?.note ?? "";
    field("c-source").value = concept?.source ?? "";
    const terms = concept?.terms ?? [{ lang: "fr", text: "", status: "preferred" }, { lang: "en", text: "", status: "preferred" }];
    termRows.replaceChildren(...terms.map((term, i) => termRow(term, i + 1)));
    editor.hidden = false;
    reloadButton.hidden = true;
  }

  async function open(id) {
    try {
      const response = await api(`/v1/concepts/${id}`, { raw: true });
      etag = response.headers.get("etag");
      fill(await response.json());
      await showHistory(id);
      field("c-subject").focus();
    } catch (error) {
      fail(error);
    }
  }

  function edited() {
    const terms = [...termRows.querySelectorAll("tr")].map((row) => {
      const term = JSON.parse(row.dataset.term);
      return {
        ...term,
        lang: row.querySelector(".t-lang").value.trim(),
        text: row.querySelector(".t-text").value.trim(),
        status: row.querySelector(".t-status").value,
        note: orNull(row.querySelector(".t-note").value),
        source: orNull(row.querySelector(".t-source").value),
      };
    }).filter((term) => term.text);
    return {
      ...(current || {}),
      subject_field: orNull(field("c-subject").value),
      definition: orNull(field("c-definition").value),
      note: orNull(field("c-note").value),
      source: orNull(field("c-source").value),
      terms,
    };
  }

  function problemText(error) {
    const errors = error.problem?.errors;
    if (!Array.isArray(errors) || !errors.length) return error.message;
    return `${error.message} ${errors.map((e) => `${(e.loc || []).join(".")}: ${e.msg || e.message || ""}`).join("; ")}`;
  }

  document.getElementById("add-term").addEventListener("click", () => {
    const row = termRow({ lang: "", text: "", status: "admitted" }, termRows.children.length + 1);
    termRows.append(row);
    row.querySelector(".t-lang").focus();
  });

  document.getElementById("concept-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = edited();
    try {
      const response = current
        ? await api(`/v1/concepts/${current.id}`, { method: "PATCH", json: body, headers: etag ? { "If-Match": etag } : {}, raw: true })
        : await api("/v1/concepts", { method: "POST", json: body, raw: true });
      etag = response.headers.get("etag");
      const written = await response.json();
      const wasNew = !current;
      fill(written);
      let message = wasNew ? t("desk.created", { id: written.id }) : t("desk.saved", { revision: written.revision });
      if (written.possible_duplicates?.length) {
        message += ` ${t("desk.duplicates", { list: written.possible_duplicates.map((d) => `${d.concept_id} (${d.term || d.text || ""})`).join(", ") })}`;
      }
      say(message);
      await showHistory(written.id);
    } catch (error) {
      if (error.status === 412) {
        say(t("desk.conflict", { revision: error.problem.revision ?? "?" }), { error: true, sticky: true });
        reloadButton.hidden = false;
        reloadButton.focus();
      } else {
        say(t("status.error", { detail: problemText(error) }), { error: true });
      }
    }
  });

  reloadButton.addEventListener("click", () => { say(""); if (current) open(current.id); });
  document.getElementById("desk-new").addEventListener("click", () => {
    etag = null;
    fill(null);
    historyBox.hidden = true;
    field("c-subject").focus();
  });

  // -- history ----------------------------------------------------------------------------------
  function show(value) {
    if (value === null || value === undefined) return "∅";
    if (typeof value === "object") {
      if ("text" in value) return `${value.text} [${value.lang}, ${value.status}]${value.note ? ` – ${value.note}` : ""}`;
      return JSON.stringify(value);
    }
    return String(value);
  }

  function diff(change) {
    const what = change.term ? `${change.field} – ${change.lang}: ${change.term}` : change.field;
    return el("li", { class: "diff" },
      el("span", { class: "meta", text: `${what} (${change.change}) ` }),
      change.before !== null && change.before !== undefined ? el("del", { text: show(change.before) }) : null,
      change.before !== null && change.after !== null && change.before !== undefined && change.after !== undefined ? " → " : null,
      change.after !== null && change.after !== undefined ? el("ins", { text: show(change.after) }) : null);
  }

  async function showHistory(id) {
    try {
      const page = await api(`/v1/concepts/${id}/history`);
      const items = [...page.items].reverse();
      historyList.replaceChildren(...items.map((entry) => el("li", { dataset: { revision: entry.revision } },
        el("p", { text: t("desk.history.entry", {
          revision: entry.revision, action: entry.action, by: entry.changed_by,
          when: new Date(entry.changed_at).toLocaleString(document.documentElement.lang),
        }) }),
        el("ul", {}, (entry.changes || []).map(diff)),
        current && entry.revision !== current.revision ? el("button", {
          type: "button", class: "small", onclick: () => restore(id, entry.revision),
          text: t("desk.restore", { revision: entry.revision }),
        }) : null)));
      historyBox.hidden = false;
    } catch (error) {
      fail(error);
    }
  }

  async function restore(id, revision) {
    try {
      const response = await api(`/v1/concepts/${id}/history/${revision}/restore`, {
        method: "POST", json: {}, headers: etag ? { "If-Match": etag } : {}, raw: true,
      });
      etag = response.headers.get("etag");
      const written = await response.json();
      fill(written);
      await showHistory(id);
      say(t("desk.restored", { revision, now: written.revision }));
    } catch (error) {
      if (error.status === 412) {
        say(t("desk.conflict", { revision: error.problem.revision ?? "?" }), { error: true, sticky: true });
        reloadButton.hidden = false;
      } else fail(error);
    }
  }

  // -- term candidates: the review queue (GET /v1/term-candidates; PATCH one to edit it, POST
  // …/accept or …/reject to decide), shown when the service has it ------------------------------
  const QUEUE = "/v1/term-candidates";
  Alinea.apiPaths().then((paths) => {
    if (!paths[QUEUE]?.get) return;
    const section = document.getElementById("candidates");
    const rowsBox = document.getElementById("candidate-rows");
    const moreButton = document.getElementById("candidates-more");
    const one = (id, verb) => `${QUEUE}/${encodeURIComponent(id)}${verb ? `/${verb}` : ""}`;
    let cursor = null;

    function row(item) {
      const label = `${item.fr} ↔ ${item.en}`;
      const input = (lang) => el("input", { type: "text", class: `c-${lang}`, lang, value: item[lang],
        "aria-label": `${lang === "fr" ? t("check.fr") : t("check.en")}: ${label}` });
      const fr = input("fr");
      const en = input("en");
      const example = item.examples?.[0];

      /* The edited terms saved first (PATCH), if they were changed. */
      async function saveEdit() {
        const edit = { fr: fr.value.trim(), en: en.value.trim() };
        if (edit.fr === item.fr && edit.en === item.en) return false;
        Object.assign(item, await api(one(item.id), { method: "PATCH", json: edit }));
        return true;
      }

      async function decide(verb) {
        try {
          await saveEdit();
          await api(one(item.id, verb), { method: "POST", json: {} });
          say(`${item.fr} ↔ ${item.en}: ${t(`desk.candidates.${verb}ed`)}`);
          await load();
        } catch (error) {
          fail(error);
        }
      }

      async function save() {
        try {
          if (await saveEdit()) say(t("desk.candidates.saved", { label: `${item.fr} ↔ ${item.en}` }));
        } catch (error) {
          fail(error);
        }
      }

      const button = (name, onclick) => el("button", { type: "button", class: "small",
        "aria-label": `${name}: ${label}`, text: name, onclick });
      return el("tr", { dataset: { candidate: item.id } },
        el("td", {}, fr), el("td", {}, en),
        el("td", { class: "meta" },
          t("desk.candidates.measures", { score: Number(item.score).toFixed(2), n: item.frequency }),
          item.source ? el("div", { text: t("term.source", { source: item.source }) }) : null,
          example ? el("div", { class: "example" },
            example.ref ? `${example.ref}: ` : "",
            el("span", { lang: "fr", text: example.fr }), " ‖ ", el("span", { lang: "en", text: example.en })) : null),
        el("td", { class: "actions" },
          button(t("desk.save"), save),
          button(t("desk.accept"), () => decide("accept")),
          button(t("desk.reject"), () => decide("reject"))));
    }

    async function load(more = false) {
      try {
        const params = new URLSearchParams({ status: "pending", limit: "50" });
        if (more && cursor) params.set("cursor", cursor);
        const page = await api(`${QUEUE}?${params}`);
        cursor = page.next_cursor;
        const rows = page.items.map(row);
        if (more) rowsBox.append(...rows);
        else rowsBox.replaceChildren(...(rows.length ? rows
          : [el("tr", {}, el("td", { text: t("desk.candidates.none") }))]));
        moreButton.hidden = !cursor;
        section.hidden = false;
      } catch (error) {
        fail(error);
      }
    }
    moreButton.addEventListener("click", () => load(true));
    document.addEventListener("alinea:key", () => load());
    load();
  });

  // -- import and export ----------------------------------------------------------------------
  const TYPES = { tbx: "application/xml", xml: "application/xml", csv: "text/csv", tsv: "text/tab-separated-values",
    ttl: "text/turtle", rdf: "application/rdf+xml" };
  const reportBox = document.getElementById("import-report");
  const commitButton = document.getElementById("import-commit");

  function table(caption, headings, rows) {
    return el("table", { class: "report" },
      el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c) => el("td", { text: c ?? "" }))))));
  }

  function renderReport(report) {
    const counts = ["created", "updated", "unchanged", "skipped", "conflicts"];
    const parts = [table(report.dry_run ? t("desk.import.check") : t("desk.import"),
      [t("report.what"), ...counts.map((c) => t(`report.${c}`))],
      [[t("report.concepts"), ...counts.map((c) => String(report.concepts?.[c] ?? ""))],
        [t("report.terms"), ...counts.map((c) => String(report.terms?.[c] ?? ""))]])];
    const changes = (report.changes || []).flatMap((concept) => (concept.changes || []).map((change) => [
      concept.concept_id ?? concept.ref ?? "", change.term ? `${change.field} (${change.lang}: ${change.term})` : change.field,
      show(change.before), show(change.after)]));
    if (changes.length) parts.push(table(t("report.changes"), [t("concept.id", { id: "" }).trim(), t("report.field"), t("report.before"), t("report.after")], changes));
    for (const [name, label] of [["errors", "report.errors"], ["warnings", "report.warnings"]]) {
      const items = report[name] || [];
      if (items.length) {
        parts.push(table(t(label), [t("report.line"), t("report.message")],
          items.map((p) => [p.line ? `${p.line}${p.column ? `:${p.column}` : ""}` : "", `${p.code ? `${p.code}: ` : ""}${p.message}`])));
      }
    }
    reportBox.replaceChildren(...parts);
  }

  async function sendImport(dryRun) {
    const file = field("import-file").files[0];
    if (!file) return null;
    const extension = file.name.split(".").pop().toLowerCase();
    const params = new URLSearchParams({ dry_run: String(dryRun) });
    try {
      const report = await api(`/v1/termbase/import?${params}`, {
        body: file, headers: { "Content-Type": TYPES[extension] || "application/octet-stream" },
      });
      renderReport(report);
      return report;
    } catch (error) {
      if (error.problem?.errors || error.problem?.report) {
        renderReport({ dry_run: dryRun, ...(error.problem.report || {}), errors: error.problem.report?.errors || error.problem.errors });
        say(t("desk.import.refused"), { error: true });
      } else fail(error);
      return null;
    }
  }

  document.getElementById("import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const report = await sendImport(true);
    commitButton.disabled = !(report && report.accepted);
  });
  field("import-file").addEventListener("change", () => { commitButton.disabled = true; reportBox.replaceChildren(); });
  commitButton.addEventListener("click", async () => {
    const report = await sendImport(false);
    commitButton.disabled = true;
    if (report?.committed) say(t("desk.import.done"));
  });

  document.getElementById("export-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const format = field("export-format").value;
    try {
      const response = await api(`/v1/termbase/export?format=${format}`, { raw: true });
      await Alinea.download(response, `termbase.${format === "tbx2" ? "tbx" : format}`);
    } catch (error) {
      fail(error);
    }
  });
})();
