/* Jobs: submit files or zips, watch progress (polled every second while a job runs), download
 * results, cancel; and the concordance of everything aligned, matches highlighted. */
"use strict";

(() => {
  const { t, el, api, fail, say, key } = Alinea;
  const rowsBox = document.getElementById("job-rows");
  const ACTIVE = new Set(["queued", "running"]);
  let timer = null;

  function showKeyNeed() {
    const missing = key.needed && !key.get();
    document.getElementById("jobs-key-needed").hidden = !missing;
    document.getElementById("job-submit").disabled = missing;
  }
  document.addEventListener("alinea:key", showKeyNeed);
  showKeyNeed();

  async function download(job, format) {
    const partial = ACTIVE.has(job.state) ? "&partial=true" : "";
    try {
      const response = await api(`/v1/jobs/${job.id}/results?format=${format}${partial}`, { raw: true });
      await Alinea.download(response, `job-${job.id}.${format}`);
    } catch (error) {
      fail(error);
    }
  }

  async function cancel(job) {
    try {
      await api(`/v1/jobs/${job.id}`, { method: "DELETE" });
      await refresh();
    } catch (error) {
      fail(error);
    }
  }

  function row(job) {
    const c = job.counts;
    const finished = c.done + c.failed + c.cancelled;
    const label = t("jobs.job", { id: job.id });
    return el("tr", { dataset: { job: job.id, state: job.state } },
      el("th", { scope: "row", text: String(job.id) }),
      el("td", { class: "state", text: t(`jobs.state.${job.state}`) }),
      el("td", {},
        el("progress", { max: String(c.total || 1), value: String(finished), "aria-label": `${label}: ${t("jobs.progress")}` }),
        el("span", { class: "meta", text: ` ${finished} / ${c.total}${c.failed ? ` (${c.failed} ✗)` : ""}` }),
        job.failures?.length ? el("ul", { class: "meta" }, job.failures.map((f) => el("li", { text: `${f.name}: ${f.reason}` }))) : null),
      el("td", { text: job.owner || "" }),
      el("td", { class: "actions" },
        ["tmx", "tsv", "jsonl"].map((format) => el("button", {
          type: "button", class: "small", "aria-label": `${label}: ${format.toUpperCase()}`,
          onclick: () => download(job, format), text: format.toUpperCase(),
        })),
        ACTIVE.has(job.state) ? el("button", {
          type: "button", class: "small", "aria-label": `${label}: ${t("jobs.cancel")}`,
          onclick: () => cancel(job), text: t("jobs.cancel"),
        }) : null));
  }

  async function refresh() {
    try {
      const page = await api("/v1/jobs?limit=20");
      const jobs = await Promise.all(page.items.map((job) => (job.counts.failed
        ? api(`/v1/jobs/${job.id}`) : job)));
      rowsBox.replaceChildren(...jobs.map(row));
      document.getElementById("jobs-empty").hidden = jobs.length > 0;
      clearTimeout(timer);
      if (jobs.some((job) => ACTIVE.has(job.state))) timer = setTimeout(refresh, 1000);
    } catch (error) {
      fail(error);
    }
  }

  /* NAME.fr.txt / NAME.en.txt (or .docx, read by the service) as JSON documents. */
  async function pairs(files) {
    const documents = new Map();
    for (const file of files) {
      const match = /^(.+)\.(fr|en)(\.txt|\.docx)?$/i.exec(file.name);
      if (!match) throw new Alinea.ApiError(422, { detail: `${file.name}: NAME.fr.txt / NAME.en.txt` });
      const [, name, lang, extension] = match;
      const text = extension?.toLowerCase() === ".docx"
        ? (await api(`/ui/api/document-text?${new URLSearchParams({ name: file.name })}`, {
          body: file, headers: { "Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
        })).text
        : await file.text();
      documents.set(name, { ...(documents.get(name) || { name }), [lang.toLowerCase()]: text });
    }
    return [...documents.values()];
  }

  document.getElementById("jobs-refresh").addEventListener("click", refresh);
  document.getElementById("job-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = document.getElementById("job-files").files;
    if (!files.length) return;
    const presegmented = document.getElementById("job-preseg").checked;
    try {
      let job;
      if (key.get()) {
        const form = new FormData();
        for (const file of files) form.append("files", file, file.name);
        if (presegmented) form.append("presegmented", "true");
        job = await api("/v1/jobs", { body: form });
      } else if (files.length === 1 && /\.zip$/i.test(files[0].name)) {
        // Without a key (ALINEA_AUTH=off) a form upload is refused (a web page could send one):
        // a zip goes as the body, with its own type; other files as JSON.
        job = await api(`/v1/jobs?presegmented=${presegmented}`, {
          body: files[0], headers: { "Content-Type": "application/zip" },
        });
      } else {
        job = await api("/v1/jobs", { json: { documents: await pairs(files), options: { presegmented } } });
      }
      say(t("jobs.submitted", { id: job.id }));
      document.getElementById("job-files").value = "";
      await refresh();
    } catch (error) {
      fail(error);
    }
  });
  refresh();

  // -- concordance ------------------------------------------------------------------------------
  const strip = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

  /* `text` with each word that starts with a query word marked (accents and case ignored). */
  function highlight(text, words) {
    const lowered = [];
    const origin = [];
    Array.from(text).forEach((ch, i) => {
      for (const c of strip(ch)) { lowered.push(c); origin.push(i); }
    });
    const chars = Array.from(text);
    const marked = new Array(chars.length).fill(false);
    const flat = lowered.join("");
    const isLetter = (c) => /[\p{L}\p{N}]/u.test(c || "");
    for (const word of words) {
      let at = flat.indexOf(word);
      while (at !== -1) {
        if (!isLetter(flat[at - 1])) {
          let end = at + word.length;
          while (isLetter(flat[end])) end += 1;
          for (let k = at; k < end; k += 1) marked[origin[k]] = true;
        }
        at = flat.indexOf(word, at + 1);
      }
    }
    const parts = [];
    let i = 0;
    while (i < chars.length) {
      let j = i;
      while (j < chars.length && marked[j] === marked[i]) j += 1;
      const piece = chars.slice(i, j).join("");
      parts.push(marked[i] ? el("mark", { text: piece }) : piece);
      i = j;
    }
    return parts;
  }

  /* `text` with the service's match spans (code points) marked. */
  function marked(text, spans) {
    const chars = Array.from(text);
    const parts = [];
    let at = 0;
    // matches only spaces apart read as one ("traite des personnes", not three marks)
    const joined = [];
    for (const { start, end } of spans) {
      const last = joined[joined.length - 1];
      if (last && /^\s*$/.test(chars.slice(last.end, start).join(""))) last.end = Math.max(last.end, end);
      else joined.push({ start, end });
    }
    for (const { start, end } of joined) {
      if (start > at) parts.push(chars.slice(at, start).join(""));
      parts.push(el("mark", { text: chars.slice(Math.max(start, at), end).join("") }));
      at = Math.max(at, end);
    }
    if (at < chars.length) parts.push(chars.slice(at).join(""));
    return parts;
  }

  // the service's spans when it gives them (stems, phrases), else the query's words here
  const mark = (text, hit, words) => (Array.isArray(hit.matches) && hit.matches.length
    ? marked(text, hit.matches) : highlight(text, words));

  document.getElementById("conc-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = document.getElementById("conc-q").value.trim();
    const lang = document.getElementById("conc-lang").value;
    if (!q) return;
    const words = strip(q).split(/[^\p{L}\p{N}]+/u).filter((w) => w && !["or", "and", "not"].includes(w));
    try {
      const page = await api(`/v1/segments?${new URLSearchParams({ q, lang, limit: "50" })}`);
      const rows = page.items.map((hit) => el("tr", {},
        el("td", { lang: "fr" }, lang === "fr" ? mark(hit.fr, hit, words) : hit.fr),
        el("td", { lang: "en" }, lang === "en" ? mark(hit.en, hit, words) : hit.en),
        el("td", { class: "meta", text: t("conc.where", { job: hit.job_id, document: hit.document, position: hit.position }) })));
      document.getElementById("conc-rows").replaceChildren(...rows);
      document.getElementById("conc-count").textContent = rows.length ? t("conc.count", { n: rows.length }) : t("conc.none");
    } catch (error) {
      fail(error);
    }
  });
})();
