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

  // ---- form -> submission
  class FormError extends Error { constructor(path, message) { super(message); this.path = path; } }
  function readField(el) {
    const kind = el.dataset.kind;
    if (kind === "bool") return el.checked;
    const value = el.value.trim();
    if (value === "") return undefined;
    if (kind === "tri") return value === "true";
    if (kind === "int") return /^-?\d+$/.test(value) ? Number(value) : value;
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
    form.querySelectorAll("[data-path]").forEach((el) => {
      if (el.disabled || el.closest("fieldset:disabled")) return;
      const value = readField(el);
      if (value !== undefined) setIn(sub, el.dataset.path, value);
    });
    // an act of state control with nothing filled in is no act (CTRL-01 reports it): never {}
    if (sub.state_control_act && Object.keys(sub.state_control_act).length === 0) delete sub.state_control_act;
    return sub;
  }

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
  async function post(url, body, type) {
    const response = await fetch(url, { method: "POST", headers: headers({ "Content-Type": type }), body });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data };
  }
  function problemText(status, data) {
    if (status === 401) return texts.words.token;
    if (data && data.error) return (data.error.location ? data.error.location + ": " : "") + data.error.message;
    return texts.words.failed + " (HTTP " + status + ")";
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
  function finding(f) {
    const box = el("section", "finding severity-" + f.severity);
    const head = el("h3");
    head.append(el("span", "rule", f.rule), " ", el("span", "severity", texts.severities[f.severity] || f.severity), " ", f.title);
    box.append(head, el("p", "message", f.message));
    if (f.waived) box.append(el("p", "waived", texts.words.waived + ": " + f.waived.reason));
    const fields = el("p", "fields", texts.words.fields + ": ");
    f.fields.forEach((path, i) => {
      const link = el("a", "field-link", path);
      link.href = "#f-" + path;
      link.dataset.field = path;
      fields.append(i ? ", " : "", link);
    });
    box.append(fields);
    const basis = el("p", "basis", texts.words.legal_basis + ": ");
    f.legal_basis.forEach((b, i) => {
      basis.append(i ? "; " : "");
      const what = b.act + ", " + b.provision;
      if (b.url && /^https?:\/\//.test(b.url)) { const a = el("a", null, what); a.href = b.url; a.rel = "noopener"; a.target = "_blank"; basis.append(a); }
      else basis.append(what);
    });
    box.append(basis);
    box.append(why(f.rule));
    return box;
  }
  let lastChecked = null; // the body and language of the last check, for the "why" of its results
  function why(rule) {
    const details = el("details", "why");
    details.append(el("summary", null, texts.words.why));
    const asked = lastChecked;
    details.addEventListener("toggle", async () => {
      if (!details.open || details.dataset.loaded || !asked) return;
      details.dataset.loaded = "1";
      const pre = el("pre", "explanation", texts.words.checking);
      details.append(pre);
      try {
        const url = "api/v1/explain?source=desk&rule=" + encodeURIComponent(rule) + "&lang=" + encodeURIComponent(asked.lang);
        const { status, data } = await post(url, asked.body, "application/json");
        pre.textContent = status === 200 ? data.explanations[rule].text.join("\n") : problemText(status, data);
      } catch (e) { pre.textContent = texts.words.failed + ": " + e.message; }
    });
    return details;
  }
  function show(report) {
    const result = report.results[0];
    form.querySelectorAll(".flagged, .focused").forEach((n) => n.classList.remove("flagged", "focused"));
    results.replaceChildren(el("h2", null, texts.words.checked));
    const verdict = el("p", "verdict verdict-" + result.status, texts.verdicts[result.status] || result.status);
    verdict.id = "verdict";
    verdict.dataset.status = result.status;
    results.append(verdict);
    if (result.error) results.append(el("p", "error", result.error.location + ": " + result.error.message));
    if (!result.violations.length && !result.error) results.append(el("p", null, texts.words.no_findings));
    result.violations.forEach((f) => { results.append(finding(f)); f.fields.forEach((p) => flag(p, false)); });
    if (result.not_applicable.length) {
      const details = el("details", "not-applicable");
      details.append(el("summary", null, texts.words.not_applicable + " (" + result.not_applicable.length + ")"));
      const list = el("ul");
      result.not_applicable.forEach((n) => { const li = el("li"); li.append(el("span", "rule", n.rule), " " + n.reason, why(n.rule)); list.append(li); });
      details.append(list);
      results.append(details);
    }
  }
  results.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-field]");
    if (!link) return;
    event.preventDefault();
    flag(link.dataset.field, true);
  });

  async function check() {
    let sub;
    try { sub = toSubmission(); } catch (e) { say(e.message, "bad"); flag(e.path, true); return; }
    say(texts.words.checking);
    const lang = document.documentElement.lang;
    try {
      lastChecked = { body: JSON.stringify(sub), lang };
      const { status, data } = await post("api/v1/check?source=desk&lang=" + encodeURIComponent(lang), lastChecked.body, "application/json");
      if (data && data.results) { show(data); say(status === 200 ? texts.words.checked : texts.words.not_read, status === 200 ? "" : "bad"); }
      else say(problemText(status, data), "bad");
    } catch (e) { say(texts.words.failed + ": " + e.message, "bad"); }
  }

  async function load(file) {
    const text = await file.text();
    const type = /\.ya?ml$/i.test(file.name) ? "application/yaml" : "application/json";
    const { status, data } = await post("api/v1/submission?source=" + encodeURIComponent(file.name), text, type);
    if (status === 200) { fill(data.submission); say(texts.words.loaded + ": " + file.name); }
    else say(problemText(status, data), "bad");
  }

  function save() {
    let sub;
    try { sub = toSubmission(); } catch (e) { say(e.message, "bad"); flag(e.path, true); return; }
    const blob = new Blob([JSON.stringify(sub, null, 2) + "\n"], { type: "application/json" });
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
    try { sub = toSubmission(); } catch (e) { say(e.message, "bad"); flag(e.path, true); return; }
    const print = byId("print-form");
    print.elements.submission.value = JSON.stringify(sub);
    const token = byId("token");
    print.elements.token.value = token ? token.value : "";
    print.submit();
  }

  byId("check").addEventListener("click", check);
  byId("save").addEventListener("click", save);
  byId("print").addEventListener("click", printable);
  byId("reset").addEventListener("click", () => { defaults(); results.querySelectorAll(".finding, .verdict, details").forEach((n) => n.remove()); });
  byId("load-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) load(file).catch((e) => say(texts.words.failed + ": " + e.message, "bad"));
    event.target.value = "";
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); check(); });

  // a language switch keeps what was typed
  document.querySelectorAll("a.lang-switch").forEach((a) => a.addEventListener("click", () => {
    try { sessionStorage.setItem(DRAFT, JSON.stringify(toSubmission())); } catch (e) { /* nothing to keep */ }
  }));
  const draft = sessionStorage.getItem(DRAFT);
  if (draft) {
    sessionStorage.removeItem(DRAFT);
    try { fill(JSON.parse(draft)); } catch (e) { /* a broken draft is dropped */ }
  }
  window.kpcheckDesk = { toSubmission, fill, target };
})();
