"""The HTML report: one self-contained page (inline CSS, JavaScript and SVG, nothing fetched).

Cards per status; findings per rule (titles shown, linked to the rulebook document) and per
year; US$ per carat per HS code, every line against the XREF-03 median band with the
outliers marked (:mod:`kpcheck.report.html_prices`); breakdowns per territorial department,
counterparty country, year and direction; the rules that reported findings with their legal
basis; and a table of findings (plus one row per submission that could not be read) with a
text filter, severity and rule selectors and pages of rows. Every text follows the report's
language (``options["lang"]``: en, ru, kk) and ``<html lang>`` says which. A
Content-Security-Policy forbids every network request, so the page works offline and cannot
leak what it shows.

Table rows are rendered as the batch streams into a temporary file and copied into the page
at ``finish()``, after the summary, which needs the whole batch's counts. At most
``html_max_rows`` rows (default 20,000) are embedded, so that a browser still opens the page;
the page says how many were left out, and the CSV report has them all. ``rulebook_url``, when
given, is the rulebook document (``kpcheck rules docs --output rulebook.html``) rules link to.
"""

from __future__ import annotations

import shutil
import tempfile
from html import escape
from typing import IO, Any

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import DIRECTION, N_, SEVERITY, STATUS, word
from kpcheck.report.audit_text import SEVERITIES, Tally
from kpcheck.report.csv_report import rows
from kpcheck.report.html_assets import NOSCRIPT, SCRIPT, STYLE
from kpcheck.report.html_parts import anchor, breakdown, cards, num, period_table, rule_chart, rule_list, year_chart
from kpcheck.report.html_prices import PriceChart
from kpcheck.report.text import provenance_parts
from kpcheck.results import Result
from kpcheck.verdicts import Severity, Verdict

MAX_ROWS = 20_000
COLUMNS = (
    "submission",
    "certificate",
    "presented_on",
    "direction",
    "status",
    "rule",
    "severity",
    "message",
    "fields",
    "legal_basis",
    "source",
)
HEADINGS = {
    "submission": N_("Submission"),
    "certificate": N_("Certificate"),
    "presented_on": N_("Presented"),
    "direction": N_("Direction"),
    "status": N_("Status"),
    "rule": N_("Rule"),
    "severity": N_("Severity"),
    "message": N_("Message"),
    "fields": N_("Fields"),
    "legal_basis": N_("Legal basis"),
    "source": N_("Source"),
}
CSS = {
    "message": "msg",
    "legal_basis": "law",
    "source": "sm",
    "fields": "sm",
    "presented_on": "nw",
    "certificate": "nw",
    "submission": "sid",
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def e(value: object) -> str:
    return escape(str(value), quote=True)


class HtmlWriter:
    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.stream = stream
        self.fail_on = options.get("fail_on") or Severity.VIOLATION.value
        self.max_rows = int(options.get("html_max_rows", MAX_ROWS))
        self.lang = options.get("lang") or "en"
        self._ = gettext_for(self.lang)
        self.doc_url: str | None = options.get("rulebook_url")
        self.spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self.tally = Tally()
        self.prices = PriceChart(options.get("price_rule"))
        self.bases: dict[str, Any] = {}
        self.meta: dict[str, Any] = {}
        self.embedded = self.left_out = 0

    def start(self, meta: dict[str, Any]) -> None:
        self.meta = meta

    def add(self, result: Result) -> None:
        self.tally.add(result)
        self.prices.add(result)
        for f in result.findings:
            self.bases.setdefault(f.rule, f.legal_basis)
        for row in rows(result, self._):
            if self.embedded < self.max_rows:
                self.spool.write(self.row_html(row))
                self.embedded += 1
            else:
                self.left_out += 1

    def cell(self, key: str, row: dict[str, str]) -> str:
        value, _ = row[key], self._
        if key == "severity":
            return f'<td><span class="pill s-{e(value)}">{e(word(SEVERITY, value, _))}</span></td>'
        if key == "status":
            return f'<td><span class="pill st-{e(value)}">{e(word(STATUS, value, _))}</span></td>'
        if key == "direction":
            return f"<td>{e(word(DIRECTION, value, _) if value else '')}</td>"
        if key == "rule":
            if not value:
                return "<td></td>"
            return f'<td class="rl"><a href="#{anchor(value)}">{e(value)}</a><small>{e(row["title"])}</small></td>'
        if key == "fields":  # a long field path may wrap after a dot, never inside a name
            return f'<td class="sm">{e(value).replace(".", ".<wbr>")}</td>'
        return f'<td class="{CSS.get(key, "")}">{e(value)}</td>'

    def row_html(self, row: dict[str, str]) -> str:
        cells = "".join(self.cell(key, row) for key in COLUMNS)
        return f'<tr data-sev="{e(row["severity"])}" data-rule="{e(row["rule"])}">{cells}</tr>\n'

    def head(self) -> str:
        _, total = self._, self.tally.submissions
        text = _("EXAMPLE REGISTERS: the signer, customs-point and entity lists are examples, not the authorised body's official lists.")
        banner = f'<div class="banner">{e(text)}</div>' if self.meta.get("reference") == "example" else ""
        subtitle = (
            _("{n} submission(s) · fail on {level}")
            .replace("{n}", num(total, self.lang))
            .replace("{level}", word(SEVERITY, self.fail_on, _) if self.fail_on != "never" else _("never"))
        )
        return (
            f'<!DOCTYPE html>\n<html lang="{e(self.lang)}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{e(_('kpcheck audit report'))}: {e(subtitle)}</title><style>{STYLE}</style>{NOSCRIPT}</head>\n"
            f'<body><main><h1>{e(_("kpcheck audit report"))}</h1><p class="sub">{e(subtitle)}</p>{banner}'
            f"{cards(self.tally, _, self.lang)}{self.summary()}\n"
        )

    def summary(self) -> str:
        _, lang = self._, self.lang
        return (
            f'<section class="grid2"><div class="panel">{rule_chart(self.tally, _, lang, self.doc_url)}</div>'
            f'<div class="panel">{year_chart(self.tally, _, lang)}</div></section>'
            f'<section class="panel prices"><h2>{e(_("US$ per carat per HS code"))}</h2>'
            f"{self.prices.html(_, lang)}</section>"
            f'<section class="grid2 bd">'
            f"{breakdown(_('Per territorial department'), _('Territorial department'), self.tally.departments, _, lang)}"
            f"{breakdown(_('Per counterparty country'), _('Counterparty country'), self.tally.counterparties, _, lang)}"
            f"</section>{period_table(self.tally, _, lang)}"
            f"{rule_list(self.tally.rules, self.bases, _, self.doc_url)}"
        )

    def filters(self) -> str:
        _ = self._
        kinds = (*SEVERITIES, *((Verdict.ERROR,) if self.tally.status[Verdict.ERROR] else ()))
        sev = "".join(f'<option value="{s}">{e(word(SEVERITY, s, _))}</option>' for s in kinds)
        rules = "".join(f'<option value="{e(r)}">{e(r)}</option>' for r in sorted(self.tally.rules))
        count = _("rows {from}–{to} of {shown} shown ({total} in all)")
        hint = _("Filter rows: submission, certificate, message, field…")
        return (
            f'<div class="filters"><input id="q" type="search" placeholder="{e(hint)}" '
            f'aria-label="{e(_("Filter rows"))}">'
            f'<select id="sev" aria-label="{e(_("Severity"))}"><option value="">{e(_("All severities"))}</option>'
            f'{sev}</select><select id="rule" aria-label="{e(_("Rule"))}"><option value="">{e(_("All rules"))}'
            f'</option>{rules}</select><button id="prev" type="button">{e(_("Previous"))}</button>'
            f'<button id="next" type="button">{e(_("Next"))}</button>'
            f'<span id="count" data-tpl="{e(count)}"></span></div>'
        )

    def table_head(self) -> str:
        _, note = self._, ""
        if self.left_out:
            text = _(
                "This page shows the first {shown} of {total} rows; {left} rows were left out. "
                "The CSV report (--format csv=FILE) has them all."
            )
            note = f'<p class="note">{e(text)}</p>'
            note = (
                note.replace("{shown}", num(self.embedded, self.lang))
                .replace("{total}", num(self.embedded + self.left_out, self.lang))
                .replace("{left}", num(self.left_out, self.lang))
            )
        th = "".join(f"<th>{e(_(HEADINGS[key]))}</th>" for key in COLUMNS)
        return (
            f'<section class="panel"><h2>{e(_("Findings and unreadable submissions"))}</h2>{note}'
            f'{self.filters()}<div class="scroll"><table id="findings"><thead><tr>{th}</tr></thead><tbody>\n'
        )

    def footer(self) -> str:
        _, meta = self._, self.meta
        book = meta.get("rulebook") or {}
        engine = f" · {e(_('engine'))} {e(meta['engine'])}" if meta.get("engine") else ""
        lines = [
            f"kpcheck {e(meta.get('kpcheck'))}{engine} · {e(_('rulebook'))} {e(book.get('version'))} · "
            f"{e(_('reference'))}: {e(_(str(meta.get('reference'))))} · {e(_('fail on'))}: "
            f"{e(word(SEVERITY, self.fail_on, _) if self.fail_on != 'never' else _('never'))}",
            f"{e(_('rulebook'))} sha256 {e(book.get('sha256'))}",
        ]
        for key, name in (("registers", _("registers")), ("waivers", _("waivers"))):
            digest = (meta.get(key) or {}).get("sha256")
            if digest:
                lines.append(f"{e(name)} sha256 {e(digest)}")
        lines += [e(part) for part in provenance_parts(meta, _)]
        return "<footer>" + "".join(f"<div>{line}</div>" for line in lines) + "</footer>"

    def finish(self, summary: dict[str, int]) -> None:
        self.stream.write(self.head())
        self.stream.write(self.table_head())
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.stream)
        self.spool.close()
        if not self.embedded:
            self.stream.write(f'<tr class="on"><td colspan="{len(COLUMNS)}" class="empty">{e(self._("No findings."))}</td></tr>\n')
        self.stream.write(f"</tbody></table></div></section>{self.footer()}</main><script>{SCRIPT}</script></body></html>\n")
