"""The HTML report: one self-contained page (inline CSS and JavaScript, nothing fetched).

A summary card per status, bar charts of findings per rule and per year, the counts per year
and direction, and a table of findings (plus one row per submission that could not be read)
with a text filter and severity and rule selectors. A Content-Security-Policy forbids every
network request, so the page works offline and cannot leak what it shows.

Table rows are rendered as the batch streams into a temporary file and copied into the page
at ``finish()``, after the summary, which needs the whole batch's counts. At most
``html_max_rows`` rows (default 20,000) are embedded, so that a browser still opens the page;
the page says how many were left out, and the CSV report has them all.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from html import escape
from typing import IO, Any

from kpcheck.api import STATUSES, Result
from kpcheck.report.audit_text import SEVERITIES, Tally, label, share
from kpcheck.report.csv_report import rows

MAX_ROWS = 20_000
STATUS_LABEL = {"compliant": "Compliant", "review": "Review", "non_compliant": "Non-compliant",
                "invalid": "Invalid", "error": "Error"}
COLUMNS = (("submission", "Submission"), ("source", "Source"), ("certificate", "Certificate"),
           ("presented_on", "Presented"), ("direction", "Direction"), ("status", "Status"), ("rule", "Rule"),
           ("severity", "Severity"), ("message", "Message"), ("fields", "Fields"))
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

STYLE = """
:root{--invalid:#7f1d1d;--violation:#dc2626;--warning:#d97706;--info:#2563eb;--error:#7c3aed;
--compliant:#15803d;--review:#d97706;--non_compliant:#dc2626;--muted:#6b7280;--line:#e5e7eb}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:0;background:#f9fafb}
main{max-width:1360px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 12px}
.sub{color:var(--muted);margin:0 0 16px}
.banner{background:#fef3c7;border:1px solid #f59e0b;color:#78350f;padding:10px 14px;border-radius:6px;
margin:0 0 16px;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin-bottom:20px}
.card{background:#fff;border:1px solid var(--line);border-top:4px solid var(--c,#9ca3af);border-radius:6px;
padding:12px 14px}
.card .n{font-size:26px;font-weight:700}.card .l{color:var(--muted)}.card .p{color:var(--muted);font-size:12px}
.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:16px;margin-bottom:20px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:20px}
.bars{display:grid;grid-template-columns:minmax(70px,max-content) 1fr 56px;gap:6px 10px;align-items:center}
.bar{display:flex;height:18px;background:#f3f4f6;border-radius:3px;overflow:hidden}
.bar span{display:block;height:100%}
.num{text-align:right;font-variant-numeric:tabular-nums}
.legend{display:flex;gap:14px;margin-top:10px;color:var(--muted);font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.s-invalid{background:var(--invalid)}.s-violation{background:var(--violation)}.s-warning{background:var(--warning)}
.s-info{background:var(--info)}.s-error{background:var(--error)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f3f4f6;font-weight:600;position:sticky;top:0}
td.msg{min-width:280px}td.nw{white-space:nowrap}
td.src,td.fld{min-width:150px;overflow-wrap:anywhere;color:#374151;font-size:12px}
.pill{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:12px;white-space:nowrap}
.filters{display:flex;gap:10px;align-items:center;margin-bottom:12px;flex-wrap:wrap}
.filters input{flex:1;min-width:240px;padding:6px 8px;border:1px solid #d1d5db;border-radius:4px}
.filters select{padding:6px;border:1px solid #d1d5db;border-radius:4px}
.note{background:#eff6ff;border:1px solid #93c5fd;padding:8px 12px;border-radius:6px}
.empty{color:var(--muted)}
footer{color:var(--muted);font-size:12px;margin-top:8px}footer div{overflow-wrap:anywhere}
#count{color:var(--muted)}
@media (max-width:900px){.cards{grid-template-columns:repeat(3,1fr)}.charts{grid-template-columns:1fr}}
"""

SCRIPT = """
(function(){
  var rows=[].slice.call(document.querySelectorAll('#findings tbody tr[data-sev]'));
  var text=rows.map(function(r){return r.textContent.toLowerCase();});
  var q=document.getElementById('q'),sev=document.getElementById('sev'),rule=document.getElementById('rule');
  var count=document.getElementById('count');
  function apply(){
    var t=q.value.trim().toLowerCase(),s=sev.value,r=rule.value,n=0;
    rows.forEach(function(row,i){
      var ok=(!t||text[i].indexOf(t)>=0)&&(!s||row.dataset.sev===s)&&(!r||row.dataset.rule===r);
      row.hidden=!ok;if(ok)n++;
    });
    count.textContent=n.toLocaleString('en')+' of '+rows.length.toLocaleString('en')+' rows shown';
  }
  [q,sev,rule].forEach(function(el){el.addEventListener('input',apply);});
  apply();
})();
"""


def e(value: object) -> str:
    return escape(str(value), quote=True)


def pill(value: str) -> str:
    return f'<span class="pill s-{e(value)}">{e(value)}</span>' if value else ""


def row_html(row: dict[str, str]) -> str:
    cells = []
    for key, _ in COLUMNS:
        value = row[key]
        if key == "severity":
            cells.append(f"<td>{pill(value)}</td>")
        elif key == "status":
            cells.append(f'<td><span class="pill" style="background:var(--{e(value)})">{e(value)}</span></td>')
        else:
            css = {"message": "msg", "source": "src", "fields": "fld"}.get(key, "nw")
            cells.append(f'<td class="{css}">{e(value)}</td>')
    return f'<tr data-sev="{e(row["severity"])}" data-rule="{e(row["rule"])}">{"".join(cells)}</tr>\n'


def cards(tally: Tally) -> str:
    total = tally.submissions
    out = [f'<div class="card"><div class="n">{total:,}</div><div class="l">Submissions</div>'
           f'<div class="p">&nbsp;</div></div>']
    for status in STATUSES:
        n = tally.status[status]
        out.append(f'<div class="card" style="--c:var(--{status})"><div class="n">{n:,}</div>'
                   f'<div class="l">{STATUS_LABEL[status]}</div><div class="p">{share(n, total)}</div></div>')
    return '<section class="cards">' + "".join(out) + "</section>"


def bar(parts: Counter[str] | dict[str, int], scale: int) -> str:
    spans = "".join(f'<span class="s-{e(k)}" style="width:{100 * v / scale:.2f}%" title="{e(k)}: {v}"></span>'
                    for k, v in parts.items() if v)
    return f'<div class="bar">{spans}</div>'


def legend() -> str:
    return '<div class="legend">' + "".join(f'<span><i class="s-{s}"></i>{s}</span>' for s in SEVERITIES) + "</div>"


def rule_chart(tally: Tally) -> str:
    ranked = tally.rules_by_frequency()
    if not ranked:
        return '<h2>Findings per rule</h2><p class="empty">No findings.</p>'
    scale = ranked[0][1].findings
    lines = [f'<span title="{e(t.title)}">{e(rule)}</span>{bar({t.severity: t.findings}, scale)}'
             f'<span class="num">{t.findings:,}</span>' for rule, t in ranked]
    return f'<h2>Findings per rule</h2><div class="bars">{"".join(lines)}</div>{legend()}'


def year_chart(tally: Tally) -> str:
    years = [(y, c) for y, c in tally.years() if c["findings"]]
    if not years:
        return '<h2>Findings per year</h2><p class="empty">No findings.</p>'
    scale = max(c["findings"] for _, c in years)
    lines = [f'<span>{e(label(year))}</span>{bar({s: c[f"severity:{s}"] for s in SEVERITIES}, scale)}'
             f'<span class="num">{c["findings"]:,}</span>' for year, c in years]
    return f'<h2>Findings per year</h2><div class="bars">{"".join(lines)}</div>{legend()}'


def period_table(tally: Tally) -> str:
    head = ["Year", "Direction", "Submissions", *(STATUS_LABEL[s] for s in STATUSES), "Findings"]
    body = []
    for (year, direction), c in tally.periods_sorted():
        nums = [c["submissions"], *(c[s] for s in STATUSES), c["findings"]]
        body.append(f"<tr><td>{e(label(year))}</td><td>{e(label(direction))}</td>"
                    + "".join(f'<td class="num">{n:,}</td>' for n in nums) + "</tr>")
    th = "".join(f'<th class="num">{h}</th>' if i > 1 else f"<th>{h}</th>" for i, h in enumerate(head))
    return (f'<section class="panel"><h2>Per year and direction</h2><table><thead><tr>{th}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></section>')


def filters(tally: Tally, has_errors: bool) -> str:
    sev = "".join(f'<option value="{s}">{s}</option>' for s in (*SEVERITIES, *(("error",) if has_errors else ())))
    rules = "".join(f'<option value="{e(r)}">{e(r)}</option>' for r in sorted(tally.rules))
    return ('<div class="filters"><input id="q" type="search" placeholder="Filter rows: submission, certificate, '
            'message, field…" aria-label="Filter rows">'
            f'<select id="sev" aria-label="Severity"><option value="">All severities</option>{sev}</select>'
            f'<select id="rule" aria-label="Rule"><option value="">All rules</option>{rules}</select>'
            '<span id="count"></span></div>')


def footer(meta: dict[str, Any], fail_on: str) -> str:
    book = meta.get("rulebook") or {}
    registers = (meta.get("registers") or {}).get("sha256")
    engine = f" · engine {e(meta['engine'])}" if meta.get("engine") else ""
    lines = [f"kpcheck {e(meta.get('kpcheck'))}{engine} · rulebook {e(book.get('version'))} · "
             f"reference: {e(meta.get('reference'))} · fail on: {e(fail_on)}",
             f"rulebook sha256 {e(book.get('sha256'))}"]
    if registers:
        lines.append(f"registers sha256 {e(registers)}")
    waivers = (meta.get("waivers") or {}).get("sha256")
    if waivers:
        lines.append(f"waivers sha256 {e(waivers)}")
    return "<footer>" + "".join(f"<div>{line}</div>" for line in lines) + "</footer>"


class HtmlWriter:
    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.stream = stream
        self.fail_on = options.get("fail_on") or "violation"
        self.max_rows = int(options.get("html_max_rows", MAX_ROWS))
        self.spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self.tally = Tally()
        self.meta: dict[str, Any] = {}
        self.embedded = self.left_out = 0

    def start(self, meta: dict[str, Any]) -> None:
        self.meta = meta

    def add(self, result: Result) -> None:
        self.tally.add(result)
        for row in rows(result):
            if self.embedded < self.max_rows:
                self.spool.write(row_html(row))
                self.embedded += 1
            else:
                self.left_out += 1

    def head(self) -> str:
        total = self.tally.submissions
        banner = ('<div class="banner">EXAMPLE REGISTERS: the signer, customs-point and entity lists used are '
                  "examples, not the authorised body's official lists.</div>"
                  if self.meta.get("reference") == "example" else "")
        return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
                '<meta name="viewport" content="width=device-width,initial-scale=1">'
                f"<title>kpcheck audit: {total:,} submission(s)</title><style>{STYLE}</style></head>\n<body><main>"
                f"<h1>kpcheck audit report</h1><p class=\"sub\">{total:,} submission(s) · fail on "
                f"{e(self.fail_on)}</p>{banner}{cards(self.tally)}"
                f'<section class="charts"><div class="panel">{rule_chart(self.tally)}</div>'
                f'<div class="panel">{year_chart(self.tally)}</div></section>{period_table(self.tally)}\n')

    def table_head(self) -> str:
        note = ""
        if self.left_out:
            note = (f'<p class="note">This page shows the first {self.embedded:,} of '
                    f"{self.embedded + self.left_out:,} rows; {self.left_out:,} rows were left out. "
                    "The CSV report (--format csv=FILE) has them all.</p>")
        th = "".join(f"<th>{title}</th>" for _, title in COLUMNS)
        return (f'<section class="panel"><h2>Findings and unreadable submissions</h2>{note}'
                f'{filters(self.tally, bool(self.tally.status["error"]))}'
                f'<table id="findings"><thead><tr>{th}</tr></thead><tbody>\n')

    def finish(self, summary: dict[str, int]) -> None:
        self.stream.write(self.head())
        self.stream.write(self.table_head())
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.stream)
        self.spool.close()
        if not self.embedded:
            self.stream.write(f'<tr><td colspan="{len(COLUMNS)}" class="empty">No findings.</td></tr>\n')
        self.stream.write(f"</tbody></table></section>{footer(self.meta, self.fail_on)}</main>"
                          f"<script>{SCRIPT}</script></body></html>\n")
