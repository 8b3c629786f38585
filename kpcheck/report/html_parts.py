"""The HTML report's summary sections, from the batch's counts (:class:`~kpcheck.report.audit_text.Tally`).

Cards per status, findings per rule (with each rule's title, linked to its entry in the
rulebook document) and per year, breakdowns per year and direction, per territorial
department and per counterparty country, and the list of the rules that reported findings
with their legal basis. Every text is in the report's language (``_``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from html import escape
from typing import Any

from kpcheck.i18n.labels import DIRECTION, SEVERITY, STATUS, basis_text, word
from kpcheck.report.audit_text import SEVERITIES, RuleTally, Tally, share
from kpcheck.results import STATUSES

Gettext = Callable[[str], str]
MAX_BREAKDOWN = 40  # rows of a breakdown table; the rest are summed in one row


def e(value: object) -> str:
    return escape(str(value), quote=True)


def num(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "\u202f") if lang != "en" else f"{n:,}"


def anchor(rule_id: str) -> str:
    return "rule-" + "".join(c if c.isalnum() else "-" for c in rule_id.lower())


def rule_link(rule: str, doc_url: str | None) -> str:
    """The rule's entry in the rulebook document (``kpcheck rules docs``), or in this page."""
    if doc_url:
        doc_anchor = "".join(c if c.isalnum() else "-" for c in rule.lower()).strip("-")
        return f'<a href="{e(doc_url)}#{e(doc_anchor)}">{e(rule)}</a>'
    return f'<a href="#{anchor(rule)}">{e(rule)}</a>'


def cards(tally: Tally, _: Gettext, lang: str) -> str:
    total = tally.submissions
    out = [
        f'<div class="card"><div class="n">{num(total, lang)}</div><div class="l">{e(_("Submissions"))}</div>'
        '<div class="p">&nbsp;</div></div>'
    ]
    for status in STATUSES:
        n = tally.status[status]
        out.append(
            f'<div class="card" style="--c:var(--{status})"><div class="n">{num(n, lang)}</div>'
            f'<div class="l">{e(word(STATUS, status, _))}</div><div class="p">{share(n, total)}</div></div>'
        )
    return '<section class="cards">' + "".join(out) + "</section>"


def bar(parts: dict[str, int], scale: int, css: str, names: dict[str, str], _: Gettext) -> str:
    spans = "".join(
        f'<span class="{css}{e(k)}" style="width:{100 * v / scale:.2f}%" title="{e(word(names, k, _))}: {v:,}"></span>'
        for k, v in parts.items()
        if v
    )
    return f'<div class="bar">{spans}</div>'


def legend(keys: tuple[str, ...], css: str, names: dict[str, str], _: Gettext) -> str:
    return '<div class="legend">' + "".join(f'<span><i class="{css}{k}"></i>{e(word(names, k, _))}</span>' for k in keys) + "</div>"


def rule_chart(tally: Tally, _: Gettext, lang: str, doc_url: str | None) -> str:
    ranked = tally.rules_by_frequency()
    head = f"<h2>{e(_('Findings per rule'))}</h2>"
    if not ranked:
        return f'{head}<p class="empty">{e(_("No findings."))}</p>'
    scale = ranked[0][1].findings
    lines = [
        f'<span class="rl">{rule_link(rule, doc_url)}<small>{e(t.title)}</small></span>'
        f'{bar({t.severity: t.findings}, scale, "s-", SEVERITY, _)}<span class="num">{num(t.findings, lang)}</span>'
        for rule, t in ranked
    ]
    return f'{head}<div class="bars rules">{"".join(lines)}</div>{legend(SEVERITIES, "s-", SEVERITY, _)}'


def year_chart(tally: Tally, _: Gettext, lang: str) -> str:
    years = [(y, c) for y, c in tally.years() if c["findings"]]
    head = f"<h2>{e(_('Findings per year'))}</h2>"
    if not years:
        return f'{head}<p class="empty">{e(_("No findings."))}</p>'
    scale = max(c["findings"] for _y, c in years)
    lines = [
        f"<span>{e(year if year is not None else _('unknown'))}</span>"
        f"{bar({s: c[f'severity:{s}'] for s in SEVERITIES}, scale, 's-', SEVERITY, _)}"
        f'<span class="num">{num(c["findings"], lang)}</span>'
        for year, c in years
    ]
    return f'{head}<div class="bars">{"".join(lines)}</div>{legend(SEVERITIES, "s-", SEVERITY, _)}'


def count_table(first: list[str], rows: list[tuple[list[str], Counter[str]]], _: Gettext, lang: str, stacked: bool = False) -> str:
    """A table of counts: the leading text columns, then submissions, each status and findings."""
    head = [*first, _("Submissions"), *(word(STATUS, s, _) for s in STATUSES), _("Findings")]
    th = "".join(f'<th class="num">{e(h)}</th>' if i >= len(first) else f"<th>{e(h)}</th>" for i, h in enumerate(head))
    if stacked:
        th = th.replace(f"<th>{e(first[-1])}</th>", f"<th>{e(first[-1])}</th><th>{e(_('Statuses'))}</th>", 1)
    scale = max((c["submissions"] for _r, c in rows), default=1) or 1
    body = []
    for texts, c in rows:
        cells = "".join(f"<td>{e(t)}</td>" for t in texts)
        if stacked:
            cells += f'<td style="min-width:140px">{bar({s: c[s] for s in STATUSES}, scale, "st-", STATUS, _)}</td>'
        nums = [c["submissions"], *(c[s] for s in STATUSES), c["findings"]]
        body.append(f"<tr>{cells}" + "".join(f'<td class="num">{num(n, lang)}</td>' for n in nums) + "</tr>")
    return f'<div class="scroll"><table><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def period_table(tally: Tally, _: Gettext, lang: str) -> str:
    rows = [
        ([str(year) if year is not None else _("unknown"), word(DIRECTION, direction, _)], c)
        for (year, direction), c in tally.periods_sorted()
    ]
    return (
        f'<section class="panel"><h2>{e(_("Per year and direction"))}</h2>'
        f"{count_table([_('Year'), _('Direction')], rows, _, lang)}</section>"
    )


def breakdown(title: str, column: str, counts: dict[str | None, Counter[str]], _: Gettext, lang: str) -> str:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1]["submissions"], kv[0] is None, kv[0] or ""))
    rows = [([key if key is not None else _("not given")], c) for key, c in ranked[:MAX_BREAKDOWN]]
    if len(ranked) > MAX_BREAKDOWN:
        rest: Counter[str] = Counter()
        for _k, c in ranked[MAX_BREAKDOWN:]:
            rest.update(c)
        rows.append(([_("{n} others").replace("{n}", str(len(ranked) - MAX_BREAKDOWN))], rest))
    if not rows:
        return f'<div class="panel"><h2>{e(title)}</h2><p class="empty">{e(_("No readable submission."))}</p></div>'
    return (
        f'<div class="panel"><h2>{e(title)}</h2>{count_table([column], rows, _, lang, stacked=True)}'
        f"{legend(STATUSES, 'st-', STATUS, _)}</div>"
    )


def rule_list(rules: dict[str, RuleTally], bases: dict[str, Any], _: Gettext, doc_url: str | None) -> str:
    """The rules that reported findings: title, severity and legal basis, linked to the rulebook."""
    if not rules:
        return ""
    items = []
    for rule in sorted(rules):
        t = rules[rule]
        link = f' · <a href="{e(doc_url)}#{e(anchor(rule)[5:])}">{e(_("in the rulebook"))}</a>' if doc_url else ""
        items.append(
            f'<dt id="{anchor(rule)}">{e(rule)} — {e(t.title)}</dt><dd>{e(word(SEVERITY, t.severity, _))} · '
            f"{e(_('Legal basis'))}: {e(basis_text(bases.get(rule, ()), _))}{link}</dd>"
        )
    return f'<section class="panel"><h2>{e(_("Rules that reported findings"))}</h2><dl class="rules">{"".join(items)}</dl></section>'
