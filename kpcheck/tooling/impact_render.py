"""The impact report of ``kpcheck rules impact``: text (rich) and JSON of an
:class:`~kpcheck.tooling.impact.ImpactReport` (computed in :mod:`kpcheck.tooling.impact`)."""

from __future__ import annotations

import contextvars
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpcheck.i18n import gettext_for
from kpcheck.problems import fill
from kpcheck.results import STATUSES
from kpcheck.tooling.impact import ImpactReport

_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("kpcheck_impact_lang", default="en")


def period_text(label: str, _: Any) -> str:
    """A period label (``until D``, ``A to B``, ``from D``) in the report's language."""
    if label.startswith("until "):
        return fill(_("until {day}"), {"day": label[6:]})
    if label.startswith("from "):
        return fill(_("from {from}"), {"from": label[5:]})
    if " to " in label:
        start, end = label.split(" to ")
        return fill(_("from {from}"), {"from": start}) + " " + fill(_("to {to}"), {"to": end})
    return label


def transition_key(pair: tuple[str, str], arrow: str = " -> ") -> str:
    return f"{pair[0]}{arrow}{pair[1]}"


def _sorted_transitions(counter: Counter[tuple[str, str]]) -> list[tuple[tuple[str, str], int]]:
    return sorted(counter.items(), key=lambda kv: (STATUSES.index(kv[0][0]), STATUSES.index(kv[0][1])))


def to_json(report: ImpactReport) -> dict[str, Any]:
    """The JSON impact report: ``changes`` (input order) and ``summary``."""
    changes = [
        {
            "submission": c.submission,
            "source": c.source,
            "status_before": c.status_before,
            "status_after": c.status_after,
            "findings_added": list(c.findings_added),
            "findings_removed": list(c.findings_removed),
        }
        for c in report.changes
    ]
    summary = {
        "submissions": report.submissions,
        "changed": len(report.changes),
        "status_changes": {transition_key(k): n for k, n in _sorted_transitions(report.status_changes)},
        "rules": {rule: dict(report.rules[rule]) for rule in sorted(report.rules)},
        "old": dict(report.old),
        "new": dict(report.new),
        "periods": {
            label: {
                "submissions": c.submissions,
                "changed": c.changed,
                "status_changes": {transition_key(k): n for k, n in c.status_changes.items()},
            }
            for label, c in report.periods.items()
        },
    }
    return {"changes": changes, "summary": summary}


def render_text(report: ImpactReport, console: Console, lang: str = "en") -> None:
    """The impact report for people: summary, transitions, rules, periods, years, then each change."""
    token = _LANG.set(lang)
    try:
        _render_text(report, console)
    finally:
        _LANG.reset(token)


def _(text: str) -> str:
    return gettext_for(_LANG.get())(text)


def _render_text(report: ImpactReport, console: Console) -> None:
    console.print(
        Text(
            f"{_('Rulebook')} {report.old['version']} (sha256 {report.old['sha256'][:12]}) → "
            f"{report.new['version']} (sha256 {report.new['sha256'][:12]})",
            style="bold",
        )
    )
    if report.reference == "example":
        console.print(Text(_("EXAMPLE REGISTERS: the signer, customs-point and entity lists are examples."), style="yellow"))
    line = fill(_("{n} submission(s) re-run, {changed} changed"), {"n": str(report.submissions), "changed": str(len(report.changes))})
    if report.errors:
        line += ", " + fill(_("{n} could not be read or checked under either rulebook"), {"n": str(report.errors)})
    console.print(Text(line, style="bold"))
    if report.periods:
        console.print(_periods_table(report))
    if not report.changes:
        console.print(Text(_("The amendment changes no submission of this corpus."), style="green"))
        return
    if report.status_changes:
        console.print(_transitions_table(report))
    if report.rules:
        console.print(_rules_table(report))
    console.print(_years_table(report))
    _print_changes(report, console)


def _table(title: str, *columns: str) -> Table:
    """A report table; the first column reads left, the others (counts) right, unless named
    with a trailing "<" (text)."""
    table = Table(title=title, title_justify="left", show_header=True, header_style="bold")
    for n, column in enumerate(columns):
        text = n == 0 or column.endswith("<")
        table.add_column(column.rstrip("<"), justify="left" if text else "right")
    return table


def _transitions_table(report: ImpactReport) -> Table:
    table = _table(_("Status changes"), _("From → to"), _("Submissions"))
    for pair, n in _sorted_transitions(report.status_changes):
        table.add_row(transition_key(pair, " → "), str(n))
    return table


def _rules_table(report: ImpactReport) -> Table:
    table = _table(_("Findings per rule"), _("Rule"), _("Appear"), _("Disappear"))
    for rule in sorted(report.rules):
        counts = report.rules[rule]
        table.add_row(rule, str(counts["added"]), str(counts["removed"]))
    return table


def _years_table(report: ImpactReport) -> Table:
    table = _table(_("By year presented"), _("Year"), _("Re-run"), _("Changed"), _("Status changes") + "<")
    for year in sorted(report.years):
        count = report.years[year]
        moves = ", ".join(f"{transition_key(k, ' → ')}: {n}" for k, n in _sorted_transitions(count.status_changes))
        table.add_row(year, str(count.submissions), str(count.changed), moves or "-")
    return table


def _periods_table(report: ImpactReport) -> Table:
    """Changes per period between the days the amendment's values or dates in force change on
    (by the day presented): a dated amendment changes nothing before its day."""
    table = _table(_("By period presented (the amendment's dates)"), _("Period"), _("Re-run"), _("Changed"), _("Status changes") + "<")
    for label, count in report.periods.items():
        label = period_text(label, _)
        moves = ", ".join(f"{transition_key(k, ' → ')}: {n}" for k, n in _sorted_transitions(count.status_changes))
        table.add_row(label, str(count.submissions), str(count.changed), moves or "-")
    return table


def _print_changes(report: ImpactReport, console: Console) -> None:
    """One line per submission that changes (never wrapped, so that it can be searched)."""
    console.print(Text(_("Submissions that change"), style="italic"))
    for c in report.changes:
        status = c.status_before if c.status_before == c.status_after else f"{c.status_before} → {c.status_after}"
        rules = " ".join([f"+{r}" for r in c.findings_added] + [f"-{r}" for r in c.findings_removed])
        line = Text(f"  {c.submission or '(no id)'}  ", style="bold")
        line.append(f"{status}  {rules or _('(same rules)')}  ")
        line.append(c.source, style="dim")
        console.print(line, soft_wrap=True)
