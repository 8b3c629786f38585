// The controller's desk: form <-> submission JSON, check through the API, show findings.
// Hand-written, no dependencies, no build step; loaded with `defer` (CSP: script-src 'self').
"use strict";

(function () {
  const form = document.getElementById("desk-form");
  const printNow = document.getElementById("print-now");
  if (printNow) printNow.addEventListener("click", () => window.print());
  if (!form) return;

  const texts = JSON.parse(form.dataset.texts);
  const results = document.getElementById("results");
  const statusLine = document.getElementById("status-line");
  const DRAFT = "kpcheck-desk-draft";

  // ---- paths: "certificate.lines[0].carats" <-> ["certificate", "lines", 0, "carats"]
  function parsePath(path) {
    const out = [];
    path.replace(/([^.[\]]+)|\[(\d+)\]/g, (m, name, index) => { out.push(index !== undefined ? Number(index) : name); });
    return out;
  }
  function setIn(obj, path, value) {
    const parts = parsePath(path);
    let node = obj;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) { node[part] = value; return; }
      if (node[part] === undefined || node[part] === null) node[part] = typeof parts[i + 1] === "number" ? [] : {};
      node = node[part];
    });
  }
  function getIn(obj, path) {
    return parsePath(path).reduce((node, part) => (node === undefined || node === null ? undefined : node[part]), obj);
  }
  const byId = (id) => document.getElementById(id);

  // ---- rows that are added and removed
  function rowsBody(base) { return byId("f-" + base).querySelector(".rows-body"); }
  function reindex(text, base, i) {  // "...base[n]rest" -> "...base[i]rest"
    const at = text.indexOf(base + "[");
    if (at < 0) return text;
    const close = text.indexOf("]", at + base.length);
    return text.slice(0, at) + base + "[" + i + text.slice(close);
  }
  function renumber(base) {
    rowsBody(base).querySelectorAll(":scope > .row").forEach((row, i) => {
      row.id = reindex(row.id, base, i);
      row.querySelector(".row-number").textContent = String(i + 1);
      row.querySelectorAll("[id]").forEach((e) => { e.id = reindex(e.id, base, i); });
      row.querySelectorAll("[data-path]").forEach((e) => { e.dataset.path = reindex(e.dataset.path, base, i); });
      row.querySelectorAll("label[for]").forEach((e) => { e.htmlFor = reindex(e.htmlFor, base, i); });
      row.querySelectorAll("[aria-describedby]").forEach((e) => {
        e.setAttribute("aria-describedby", reindex(e.getAttribute("aria-describedby"), base, i));
      });
    });
  }
  function addRow(base) {
    const template = byId("row-" + base);
    const index = rowsBody(base).querySelectorAll(":scope > .row").length;
    const html = template.innerHTML.split("__i__").join(String(index));
    const holder = document.createElement("div");
    holder.innerHTML = html;  // our own server-rendered template, no user data
    const row = holder.firstElementChild;
    rowsBody(base).appendChild(row);
    renumber(base);
    return row;
  }
  function clearRows(base) { rowsBody(base).replaceChildren(); }
  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      const row = addRow(add.dataset.addRow);
      followDirection(row);
      row.querySelector("[data-path]").focus();
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      const row = remove.closest(".row");
      const base = row.dataset.row;
      row.remove();
      renumber(base);
    }
  });

  // ---- defaults that follow the direction: on import the certificate is a foreign one
  const HOME = { export: { country: "KZ", role: "state_controller" }, import: { country: "", role: "exporting_authority" } };
  function direction() { return byId("f-direction").value === "import" ? "import" : "export"; }
  function followDirection(row) {
    const now = HOME[direction()], before = HOME[direction() === "import" ? "export" : "import"];
    const country = byId("f-certificate.issuing_country");
    if (!row && country.value === before.country) country.value = now.country;
    (row || form).querySelectorAll('select[data-path$=".role"]').forEach((role) => {
      if (row || role.value === before.role) role.value = now.role;
    });
  }

  // ---- optional blocks (coupon, duplicate, act, customs)
  function setBlock(prefix, on) {
    byId("b-" + prefix).checked = on;
    byId("f-" + prefix).disabled = !on;
  }
  form.addEventListener("change", (event) => {
    const toggle = event.target.closest("[data-block-toggle]");
    if (toggle) setBlock(toggle.dataset.blockToggle, toggle.checked);
    if (event.target.id === "f-direction") followDirection(null);
  });

  // ---- numbers as people write them: 1250,5 · 1 250,50 (also a no-break or narrow space) · 1250.5
  // A comma or a dot is the decimal mark; spaces group thousands by three. "1,250.50" and
  // "1.250,50" are refused (which mark is meant cannot be told), so is anything else.
  const SPACES = /[\s\u00A0\u202F\u2009\u2007]/g;
  function readDecimal(text) {
    const m = /^([+-]?)(\d{1,3}(?: \d{3})+|\d+)(?:[.,](\d+))?$/.exec(text.trim().replace(SPACES, " "));
    if (!m) return null;
    return (m[1] === "-" ? "-" : "") + m[2].replace(/ /g, "") + (m[3] !== undefined ? "." + m[3] : "");
  }
  function readWhole(text) {
    const m = /^([+-]?)(\d{1,3}(?: \d{3})+|\d+)$/.exec(text.trim().replace(SPACES, " "));
    return m ? Number(m[1] + m[2].replace(/ /g, "")) : null;
  }
  // an amount travels as a JSON number written exactly as read (1250.50 keeps its zero)
  const DEC = "\uE000" + Math.random().toString(36).slice(2) + ":";
  function submissionText(sub, indent) {
    return JSON.stringify(sub, null, indent).replace(new RegExp('"' + DEC + '(-?\\d+(?:\\.\\d+)?)"', "g"), "$1");
  }

  // ---- form -> submission
  class FormError extends Error { constructor(path, message) { super(message); this.path = path; } }
  class FormErrors extends Error { constructor(list) { super(list.map((e) => e.message).join("; ")); this.list = list; } }
  function readField(el) {
    const kind = el.dataset.kind;
    if (kind === "bool") return el.checked;
    const value = el.value.trim();
    if (value === "") return undefined;
    if (kind === "tri") return value === "true";
    if (kind === "decimal") {
      const read = readDecimal(value);
      if (read === null) throw new FormError(el.dataset.path, texts.words.bad_decimal);
      return DEC + read;
    }
    if (kind === "int") {
      const read = readWhole(value);
      if (read === null) throw new FormError(el.dataset.path, texts.words.bad_int);
      return read;
    }
    if (kind === "codes") return value.split(/[\s,;]+/).filter(Boolean);
    if (kind === "json") {
      let parsed;
      try { parsed = JSON.parse(value); } catch (e) { throw new FormError(el.dataset.path, texts.words.bad_json); }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new FormError(el.dataset.path, texts.words.bad_json);
      return parsed;
    }
    return value;
  }
  function toSubmission() {
    const sub = { schema_version: 1 };
    form.querySelectorAll("[data-block-toggle]").forEach((t) => { if (t.checked) setIn(sub, t.dataset.blockToggle, {}); });
    form.querySelectorAll("[data-rows]").forEach((r) => {
      if (!r.closest("fieldset:disabled")) setIn(sub, r.dataset.rows, []);
    });
    form.querySelectorAll(".row").forEach((row) => {
      if (!row.closest("fieldset:disabled")) setIn(sub, row.id.slice(2), {});
    });
    const problems = [];
    form.querySelectorAll("[data-path]").forEach((el) => {
      if (el.disabled || el.closest("fieldset:disabled")) return;
      try {
        const value = readField(el);
        if (value !== undefined) setIn(sub, el.dataset.path, value);
      } catch (e) { if (e instanceof FormError) problems.push(e); else throw e; }
    });
    if (problems.length) throw new FormErrors(problems);
    // an act of state control with nothing filled in is no act (CTRL-01 reports it): never {}
    if (sub.state_control_act && Object.keys(sub.state_control_act).length === 0) delete sub.state_control_act;
    return sub;
  }
  // the submission as the interchange format reads it: plain decimals, nothing of the page's
  function readForm() { return JSON.parse(submissionText(toSubmission())); }

  // ---- submission -> form
  function blank() {
    form.querySelectorAll(".flagged, .focused").forEach((el) => el.classList.remove("flagged", "focused"));
    form.querySelectorAll("[data-rows]").forEach((r) => clearRows(r.dataset.rows));
    form.querySelectorAll("[data-path]").forEach((el) => {
      if (el.dataset.kind === "bool") el.checked = false; else el.value = "";
    });
  }
  function fill(sub) {
    blank();
    form.querySelectorAll("[data-block-toggle]").forEach((t) => {
      const v = getIn(sub, t.dataset.blockToggle);
      setBlock(t.dataset.blockToggle, v !== undefined && v !== null);
    });
    form.querySelectorAll("[data-rows]").forEach((r) => {
      const list = getIn(sub, r.dataset.rows) || [];
      list.forEach(() => addRow(r.dataset.rows));
    });
    form.querySelectorAll("[data-path]").forEach((el) => {
      const value = getIn(sub, el.dataset.path);
      if (value === undefined || value === null) return;
      const kind = el.dataset.kind;
      if (kind === "bool") el.checked = value === true;
      else if (kind === "tri") el.value = value ? "true" : "false";
      else if (kind === "codes") el.value = Array.isArray(value) ? value.join(", ") : String(value);
      else if (kind === "json") el.value = JSON.stringify(value, null, 2);
      else el.value = String(value);
    });
  }
  function defaults() {
    blank();
    form.querySelectorAll("[data-block-toggle]").forEach((t) => setBlock(t.dataset.blockToggle, t.defaultChecked));
    ["certificate.lines", "certificate.signatures", "certificate.seals"].forEach(addRow);
    form.querySelectorAll("[data-path]").forEach((el) => {
      if (el.dataset.kind === "bool") el.checked = el.dataset.default === "true";
      else if (el.dataset.default !== undefined) el.value = el.dataset.default;
    });
  }

  // ---- talking to the API
  function headers(extra) {
    const h = Object.assign({}, extra);
    const token = byId("token");
    if (token && token.value) h.Authorization = "Bearer " + token.value;
    return h;
  }
  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "status-line" + (kind ? " " + kind : "");
  }
  // ---- results
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function target(path) {
    let probe = path;
    while (probe) {
      const found = byId("f-" + probe);
      if (found) return [found];
      const inside = Array.from(form.querySelectorAll("[data-path]")).filter((e) =>
        e.dataset.path.startsWith(probe + ".") || e.dataset.path.startsWith(probe + "["));
      if (inside.length) return inside;
      const up = probe.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
      if (up === probe) break;  // a top-level name the form does not have
      probe = up;
    }
    return [];
  }
  function clearErrors() {
    form.querySelectorAll(".field-error").forEach((n) => n.remove());
    form.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
    form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  }
  function fieldError(path, message, focus) {
    const found = target(path);
    found.forEach((node) => {
      const box = node.closest(".field") || node;
      box.classList.add("flagged", "invalid");
      if (node.matches("input, select, textarea")) node.setAttribute("aria-invalid", "true");
      const note = el("small", "field-error", message);
      note.setAttribute("role", "alert");
      box.append(note);
    });
    if (focus) flag(path, true);
    return found.length > 0;
  }
  function showFormErrors(e) {
    const list = e instanceof FormErrors ? e.list : [e];
    clearErrors();
    list.forEach((one, i) => fieldError(one.path, one.message, i === 0));
    say(list.length > 1 || list[0].message !== texts.words.bad_json ? texts.words.fix_fields : list[0].message, "bad");
  }
  function flag(path, focus) {
    const found = target(path);
    found.forEach((node) => {
      const box = node.closest(".field") || node;
      box.classList.add("flagged");
      if (focus) box.classList.add("focused");
    });
    if (focus && found.length) {
      form.querySelectorAll(".focused").forEach((n) => { if (!found.some((f) => (f.closest(".field") || f) === n)) n.classList.remove("focused"); });
      const first = found[0];
      const block = first.closest("fieldset.block-body");
      if (block && block.disabled) setBlock(block.id.slice(2), true);
      first.scrollIntoView({ block: "center" });
      if (first.focus) first.focus({ preventScroll: true });
    }
  }
  const KEPT = "kpcheck-desk-result";
  let kept = null;  // the token the server keeps the last check under
  function csrfHeaders(extra) { return headers(Object.assign({ "X-CSRF-Token": document.body.dataset.csrf }, extra)); }
  function showPanel(data) {
    form.querySelectorAll(".flagged, .focused").forEach((n) => n.classList.remove("flagged", "focused"));
    clearErrors();
    results.innerHTML = data.html;  // rendered by the desk itself, every value escaped
    kept = data.result;
    try { sessionStorage.setItem(KEPT, kept); } catch (e) { /* not kept across a switch */ }
    data.flags.forEach((p) => flag(p, false));
    (data.errors || []).forEach((e, i) => { if (e.path) fieldError(e.path, e.message, i === 0); });
  }
  async function answer(response) {
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data };
  }
  function refusal(status, data) {
    if (status === 401) return document.body.dataset.signin ? texts.words.signin : (data && data.error ? data.error.message : texts.words.token);
    if (status === 409) return texts.words.changed;
    if (data && data.error) return data.error.message;
    return texts.words.failed + " (HTTP " + status + ")";
  }
  async function shown(token) {
    const lang = document.documentElement.lang;
    const response = await fetch("desk/result/" + encodeURIComponent(token) + "?lang=" + encodeURIComponent(lang), { headers: csrfHeaders({}) });
    const { status, data } = await answer(response);
    if (data && data.html) showPanel(data);
    else { try { sessionStorage.removeItem(KEPT); } catch (e) { /* nothing kept */ } if (status !== 404) say(refusal(status, data), "bad"); }
  }
  // "why?" under a finding or a rule not applicable: the kept check explained, on demand
  results.addEventListener("toggle", async (event) => {
    const details = event.target;
    if (!details.matches || !details.matches("details.why") || !details.open || details.dataset.loaded || !kept) return;
    details.dataset.loaded = "1";
    const pre = el("pre", "explanation", texts.words.checking);
    details.append(pre);
    const lang = document.documentElement.lang;
    try {
      const url = "desk/explain/" + encodeURIComponent(kept) + "?rule=" + encodeURIComponent(details.dataset.rule) + "&lang=" + encodeURIComponent(lang);
      const { status, data } = await answer(await fetch(url, { headers: csrfHeaders({}) }));
      pre.textContent = status === 200 ? data.explanations[details.dataset.rule].text.join("\n") : refusal(status, data);
    } catch (e) { pre.textContent = texts.words.failed + ": " + e.message; }
  }, true);
  results.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-field]");
    if (!link) return;
    event.preventDefault();
    flag(link.dataset.field, true);
  });

  async function check() {
    let body;
    try { body = submissionText(toSubmission()); } catch (e) { showFormErrors(e); return; }
    say(texts.words.checking);
    const lang = document.documentElement.lang;
    try {
      const response = await fetch("desk/check?lang=" + encodeURIComponent(lang), {
        method: "POST", headers: csrfHeaders({ "Content-Type": "application/json" }), body });
      const { status, data } = await answer(response);
      if (data && data.html) { showPanel(data); say(status === 200 ? texts.words.checked : texts.words.not_read, status === 200 ? "" : "bad"); }
      else say(refusal(status, data), "bad");
    } catch (e) { say(texts.words.failed + ": " + e.message, "bad"); }
  }

  // ---- the controller's decision on the check shown (a form post with the session's CSRF token)
  results.addEventListener("submit", async (event) => {
    const decision = event.target.closest("#decision-form");
    if (!decision) return;
    event.preventDefault();
    if (!decision.querySelector("input[name=outcome]:checked")) { say(texts.words.choose, "bad"); return; }
    const body = new URLSearchParams(new FormData(decision));
    const response = await fetch(decision.getAttribute("action"), {
      method: "POST", headers: csrfHeaders({ "Content-Type": "application/x-www-form-urlencoded" }), body });
    const { status, data } = await answer(response);
    if (status === 200 && data && data.html) { showPanel(data); say(texts.words.recorded); }
    else say(status === 403 && data && data.error && data.error.location === "account" ? texts.words.forbidden : refusal(status, data), "bad");
  });

  async function load(file) {
    const text = await file.text();
    const type = /\.ya?ml$/i.test(file.name) ? "application/yaml" : "application/json";
    const response = await fetch("api/v1/submission?source=" + encodeURIComponent(file.name) + "&lang=" + encodeURIComponent(document.documentElement.lang), {
      method: "POST", headers: csrfHeaders({ "Content-Type": type }), body: text });
    const { status, data } = await answer(response);
    if (status === 200) { fill(data.submission); say(texts.words.loaded + ": " + file.name); }
    else say(refusal(status, data), "bad");
  }

  function save() {
    let sub;
    try { sub = toSubmission(); } catch (e) { showFormErrors(e); return; }
    const blob = new Blob([submissionText(sub, 2) + "\n"], { type: "application/json" });
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = (sub.id || "submission").replace(/[^\w.-]+/g, "_") + ".json";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    say(texts.words.saved + ": " + link.download);
  }

  function printable() {
    let sub;
    try { sub = toSubmission(); } catch (e) { showFormErrors(e); return; }
    const print = byId("print-form");
    print.elements.submission.value = submissionText(sub);
    print.elements.result.value = kept || "";
    const token = byId("token");
    print.elements.token.value = token ? token.value : "";
    print.submit();
  }

  byId("check").addEventListener("click", check);
  byId("save").addEventListener("click", save);
  byId("print").addEventListener("click", printable);
  byId("reset").addEventListener("click", () => {
    defaults();
    clearErrors();
    kept = null;
    try { sessionStorage.removeItem(KEPT); } catch (e) { /* nothing kept */ }
    results.querySelectorAll(":scope > :not(h2):not(.hint)").forEach((n) => n.remove());
  });
  byId("load-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) load(file).catch((e) => say(texts.words.failed + ": " + e.message, "bad"));
    event.target.value = "";
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); check(); });

  // a language switch keeps what was typed and shows the same result again, in the new language
  document.querySelectorAll("a.lang-switch").forEach((a) => a.addEventListener("click", () => {
    try { sessionStorage.setItem(DRAFT, JSON.stringify(draftOf())); } catch (e) { /* nothing to keep */ }
  }));
  function draftOf() {  // what was typed, even a value that does not read yet
    const values = {};
    form.querySelectorAll("[data-path]").forEach((el) => { values[el.dataset.path] = el.dataset.kind === "bool" ? el.checked : el.value; });
    const blocks = {};
    form.querySelectorAll("[data-block-toggle]").forEach((t) => { blocks[t.dataset.blockToggle] = t.checked; });
    const rows = {};
    form.querySelectorAll("[data-rows]").forEach((r) => { rows[r.dataset.rows] = rowsBody(r.dataset.rows).querySelectorAll(":scope > .row").length; });
    return { values, blocks, rows };
  }
  function restore(draft) {
    blank();
    Object.entries(draft.blocks).forEach(([prefix, on]) => setBlock(prefix, on));
    Object.entries(draft.rows).forEach(([base, n]) => { for (let i = 0; i < n; i++) addRow(base); });
    form.querySelectorAll("[data-path]").forEach((el) => {
      const value = draft.values[el.dataset.path];
      if (value === undefined) return;
      if (el.dataset.kind === "bool") el.checked = value === true; else el.value = value;
    });
  }
  const draft = sessionStorage.getItem(DRAFT);
  if (draft) {
    sessionStorage.removeItem(DRAFT);
    try { restore(JSON.parse(draft)); } catch (e) { /* a broken draft is dropped */ }
  }
  let keptToken = null;
  try { keptToken = sessionStorage.getItem(KEPT); } catch (e) { keptToken = null; }
  if (keptToken) shown(keptToken).catch(() => { /* the hint stays */ });
  window.kpcheckDesk = { toSubmission: readForm, fill, target, readDecimal };
})();
