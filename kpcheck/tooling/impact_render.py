"""The impact report of ``kpcheck rules impact``: text (rich) and JSON of an
:class:`~kpcheck.tooling.impact.ImpactReport` (computed in :mod:`kpcheck.tooling.impact`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpcheck.results import STATUSES
from kpcheck.tooling.impact import ImpactReport


def transition_key(pair: tuple[str, str], arrow: str = " -> ") -> str:
    return f"{pair[0]}{arrow}{pair[1]}"


def _sorted_transitions(counter: Counter) -> list[tuple[tuple[str, str], int]]:
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


def render_text(report: ImpactReport, console: Console) -> None:
    """The impact report for people: summary, transitions, rules, years, then each change."""
    console.print(
        Text(
            f"Rulebook {report.old['version']} (sha256 {report.old['sha256'][:12]}) → "
            f"{report.new['version']} (sha256 {report.new['sha256'][:12]})",
            style="bold",
        )
    )
    if report.reference == "example":
        console.print(Text("EXAMPLE REGISTERS: the signer, customs-point and entity lists are examples.", style="yellow"))
    line = f"{report.submissions} submission(s) re-run, {len(report.changes)} changed"
    if report.errors:
        line += f", {report.errors} could not be read or checked under either rulebook"
    console.print(Text(line, style="bold"))
    if report.periods:
        console.print(_periods_table(report))
    if not report.changes:
        console.print(Text("The amendment changes no submission of this corpus.", style="green"))
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
    table = _table("Status changes", "From → to", "Submissions")
    for pair, n in _sorted_transitions(report.status_changes):
        table.add_row(transition_key(pair, " → "), str(n))
    return table


def _rules_table(report: ImpactReport) -> Table:
    table = _table("Findings per rule", "Rule", "Appear", "Disappear")
    for rule in sorted(report.rules):
        counts = report.rules[rule]
        table.add_row(rule, str(counts["added"]), str(counts["removed"]))
    return table


def _years_table(report: ImpactReport) -> Table:
    table = _table("By year presented", "Year", "Re-run", "Changed", "Status changes<")
    for year in sorted(report.years):
        count = report.years[year]
        moves = ", ".join(f"{transition_key(k, ' → ')}: {n}" for k, n in _sorted_transitions(count.status_changes))
        table.add_row(year, str(count.submissions), str(count.changed), moves or "-")
    return table


def _periods_table(report: ImpactReport) -> Table:
    """Changes per period between the days the amendment's values or dates in force change on
    (by the day presented): a dated amendment changes nothing before its day."""
    table = _table("By period presented (the amendment's dates)", "Period", "Re-run", "Changed", "Status changes<")
    for label, count in report.periods.items():
        moves = ", ".join(f"{transition_key(k, ' → ')}: {n}" for k, n in _sorted_transitions(count.status_changes))
        table.add_row(label, str(count.submissions), str(count.changed), moves or "-")
    return table


def _print_changes(report: ImpactReport, console: Console) -> None:
    """One line per submission that changes (never wrapped, so that it can be searched)."""
    console.print(Text("Submissions that change", style="italic"))
    for c in report.changes:
        status = c.status_before if c.status_before == c.status_after else f"{c.status_before} → {c.status_after}"
        rules = " ".join([f"+{r}" for r in c.findings_added] + [f"-{r}" for r in c.findings_removed])
        line = Text(f"  {c.submission or '(no id)'}  ", style="bold")
        line.append(f"{status}  {rules or '(same rules)'}  ")
        line.append(c.source, style="dim")
        console.print(line, soft_wrap=True)
