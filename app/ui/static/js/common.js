/* Alinea's pages: what every page shares. Plain browser JavaScript, no build step.
 *
 * - messages: the page's words, in its language (a JSON block the server wrote);
 * - api(): fetch the JSON API with the signed-in key as a bearer token, problems as errors;
 * - the key: kept in sessionStorage (this tab only), never in a cookie;
 * - el(): build elements (text is always set as text, never parsed as HTML).
 */
"use strict";

const Alinea = (() => {
  const messages = JSON.parse(document.getElementById("messages").textContent);
  const KEY = "alinea.key";

  /* The message `key` with its {placeholders} filled; `{n}` of 1 takes the `key.one` form. */
  function t(key, vars) {
    let text = (vars?.n === 1 && messages[`${key}.one`]) || messages[key] || key;
    for (const [name, value] of Object.entries(vars || {})) {
      text = text.split(`{${name}}`).join(String(value));
    }
    return text;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const key = {
    // ALINEA_AUTH=off (this machine only): nobody needs a key, and there are none
    needed: document.body.dataset.auth !== "off",
    get: () => sessionStorage.getItem(KEY),
    set: (value) => sessionStorage.setItem(KEY, value),
    clear: () => sessionStorage.removeItem(KEY),
  };

  class ApiError extends Error {
    constructor(status, problem) {
      super(problem?.detail || problem?.title || `HTTP ${status}`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  /* fetch(path) with the key; JSON bodies as application/json. Resolves to the Response for
   * `raw`, else to the parsed JSON (null for 204); rejects with ApiError on a problem. */
  async function api(path, options = {}) {
    const headers = new Headers(options.headers || {});
    const token = key.get();
    if (token && !options.anonymous) headers.set("Authorization", `Bearer ${token}`);
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers.set("Content-Type", "application/json");
    }
    let response;
    try {
      response = await fetch(path, {
        method: options.method || (body ? "POST" : "GET"),
        headers, body, signal: options.signal, credentials: "omit",
      });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, { detail: t("status.offline") });
    }
    if (!response.ok) {
      let problem = null;
      try { problem = await response.json(); } catch { problem = null; }
      throw new ApiError(response.status, problem);
    }
    if (options.raw) return response;
    if (response.status === 204) return null;
    return response.json();
  }

  let statusTimer = null;
  function say(text, { error = false, sticky = false } = {}) {
    const box = document.getElementById("status");
    box.textContent = text;
    box.classList.toggle("error", error);
    clearTimeout(statusTimer);
    if (!sticky && text) statusTimer = setTimeout(() => { box.textContent = ""; }, error ? 8000 : 3000);
  }

  function fail(error) {
    if (error?.name === "AbortError") return;
    say(t("status.error", { detail: error?.message || String(error) }), { error: true });
  }

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = el("textarea", { class: "visually-hidden", "aria-hidden": "true" });
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    say(t("copied", { text }));
  }

  function copyButton(text) {
    return el("button", {
      type: "button", class: "small copy", "aria-label": t("copy.label", { text }),
      onclick: () => copy(text), text: t("copy"),
    });
  }

  async function download(response, fallbackName) {
    const blob = await response.blob();
    const disposition = response.headers.get("content-disposition") || "";
    const match = /filename="?([^";]+)"?/.exec(disposition);
    const link = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : fallbackName });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  function debounce(fn, wait) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), wait); };
  }

  /* The paths of the API as this service has them (routes added later, e.g. /v1/qa, appear
   * by themselves). */
  let pathsPromise = null;
  function apiPaths() {
    pathsPromise ??= fetch("/openapi.json", { credentials: "omit" })
      .then((r) => (r.ok ? r.json() : { paths: {} }))
      .then((doc) => doc.paths || {})
      .catch(() => ({}));
    return pathsPromise;
  }

  /* A term's status as a badge: the UN-standard (preferred) one marked, traps flagged. */
  function statusBadge(status) {
    const label = { preferred: "term.preferred", admitted: "term.admitted",
      deprecated: "term.deprecated", superseded: "term.superseded" }[status];
    return el("span", { class: `badge ${status}`, text: label ? t(label) : status });
  }

  /* One equivalent of a look-up or recognition answer. */
  function equivalentItem(term, extra) {
    const trap = term.deprecated || term.status === "deprecated" || term.status === "superseded";
    return el("li", { class: `equivalent ${term.status}${trap ? " deprecated" : ""}`, lang: term.lang },
      el("span", { class: "text", text: term.text }),
      statusBadge(term.status),
      trap ? null : copyButton(term.text),
      term.source ? el("span", { class: "meta", text: t("term.source", { source: term.source }) }) : null,
      term.collection ? el("span", { class: "meta", text: t("term.collection", { collection: collectionName(term.collection) }) }) : null,
      term.note ? el("p", { class: trap ? "trap-note" : "meta", text: term.note }) : null,
      extra || null);
  }

  function collectionName(collection) {
    if (collection && typeof collection === "object") return collection.name || collection.id || "";
    return collection;
  }

  /* The service's collections by name (GET /v1/collections: title, kind, priority), fetched
   * once; an empty map if they cannot be read. */
  let collectionsPromise = null;
  const knownCollections = new Map();
  function collections() {
    collectionsPromise ??= api("/v1/collections")
      .then((page) => { for (const c of page.items || []) knownCollections.set(c.name, c); return knownCollections; })
      .catch(() => knownCollections);
    return collectionsPromise;
  }

  /* An answer's collection: its name, its title on hover, its kind as a class (the shipped UN
   * seed is marked). */
  function collectionLabel(collection) {
    const name = collectionName(collection);
    const known = knownCollections.get(name);
    return el("span", { class: `collection${known ? ` kind-${known.kind}` : ""}`, title: known?.title || null,
      dataset: { collection: name }, text: t("term.collection", { collection: name }) });
  }

  /* Concept-level facts of an answer: collection, source, subject field. */
  function conceptMeta(match) {
    const parts = [];
    const collection = match.collection ?? match.concept?.collection;
    if (collection) parts.push(collectionLabel(collection));
    if (match.source) parts.push(t("term.source", { source: match.source }));
    if (match.subject_field) parts.push(`${t("concept.subject")}: ${match.subject_field}`);
    return parts.length ? el("p", { class: "meta" }, parts.flatMap((part, i) => (i ? [" · ", part] : [part]))) : null;
  }

  // -- the key menu ---------------------------------------------------------------------------
  function showKeyState() {
    const token = key.get();
    document.getElementById("key-state").textContent = token
      ? t("key.signed_in", { prefix: token.slice(0, 12) }) : t("key.signed_out");
    document.getElementById("key-in").hidden = Boolean(token);
    document.getElementById("key-signout").hidden = !token;
    document.getElementById("key-summary").textContent = token ? `${t("key.label")} ✓` : t("key.label");
    document.dispatchEvent(new CustomEvent("alinea:key"));
  }

  async function signIn(event) {
    event.preventDefault();
    const input = document.getElementById("key-input");
    const token = input.value.trim();
    if (!token) return;
    try {
      // Any request with the key says whether the service knows it (401 if not).
      await fetch("/v1/jobs?limit=1", { headers: { Authorization: `Bearer ${token}` }, credentials: "omit" })
        .then((r) => { if (r.status === 401) throw new ApiError(401, { detail: t("key.invalid") }); });
      key.set(token);
      input.value = "";
      showKeyState();
      document.getElementById("key-menu").open = false;
    } catch (error) {
      fail(error);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("key-form").addEventListener("submit", signIn);
    document.getElementById("key-signout").addEventListener("click", () => { key.clear(); showKeyState(); });
    showKeyState();
  });

  return { t, el, api, ApiError, key, say, fail, copy, copyButton, download, debounce, apiPaths,
    statusBadge, equivalentItem, conceptMeta, collectionName, collections };
})();
