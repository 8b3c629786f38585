"""The audit's text report: the summary auditors read first, then the submissions to look at.

Sections: submissions per status; findings per rule, most frequent first; submissions and
findings per year (of ``presented_on``) and direction; then every submission at or above
``--fail-on`` and every submission that could not be read, in input order.

Only counts are held for the whole batch (per status, per rule, per year and direction).
The list of submissions is rendered as it streams (plain text, wrapped to the width: rich is
too slow for millions of lines) into a temporary file and copied into the output after the
summary at ``finish()``.
"""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpcheck.api import STATUSES, Result
from kpcheck.waivers import waived_note
from kpcheck.report.text import identity_line, SEVERITY_STYLE, VERDICT, make_console

UNKNOWN = "unknown"
SEVERITIES = ("invalid", "violation", "warning", "info")


@dataclass
class RuleTally:
    findings: int = 0
    severity: str = ""
    title: str = ""


@dataclass
class Tally:
    """The counts of a batch: bounded by the number of statuses, rules and year-direction pairs."""

    status: Counter[str] = field(default_factory=Counter)
    rules: dict[str, RuleTally] = field(default_factory=dict)
    # (year, direction) -> "submissions", each status, "findings", "severity:" + each severity
    # (a status and a severity can share a name: "invalid")
    periods: dict[tuple[int | None, str | None], Counter[str]] = field(default_factory=dict)

    def add(self, result: Result) -> None:
        self.status[result.status] += 1
        key = (result.presented_on.year if result.presented_on else None, result.direction)
        period = self.periods.setdefault(key, Counter())
        period["submissions"] += 1
        period[result.status] += 1
        for f in result.findings:
            rule = self.rules.setdefault(f.rule, RuleTally(severity=f.severity, title=f.title))
            rule.findings += 1
            period["findings"] += 1
            period[f"severity:{f.severity}"] += 1

    @property
    def submissions(self) -> int:
        return sum(self.status.values())

    def rules_by_frequency(self) -> list[tuple[str, RuleTally]]:
        return sorted(self.rules.items(), key=lambda kv: (-kv[1].findings, kv[0]))

    def periods_sorted(self) -> list[tuple[tuple[int | None, str | None], Counter[str]]]:
        def order(item: tuple[tuple[int | None, str | None], Counter[str]]) -> tuple[Any, ...]:
            (year, direction), _ = item
            return (year is None, year or 0, direction is None, direction or "")
        return sorted(self.periods.items(), key=order)

    def years(self) -> list[tuple[int | None, Counter[str]]]:
        """Per year, the period counts summed over directions."""
        out: dict[int | None, Counter[str]] = {}
        for (year, _), counts in self.periods_sorted():
            out.setdefault(year, Counter()).update(counts)
        return list(out.items())


def label(value: object) -> str:
    return UNKNOWN if value is None else str(value)


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def new_table() -> Table:
    return Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")


def print_trimmed(console: Console, renderable: Any) -> None:
    """Print without the trailing blanks rich pads table cells with (goldens, diffs, editors)."""
    with console.capture() as capture:
        console.print(renderable)
    lines = capture.get().splitlines()
    console.file.write("".join(line.rstrip() + "\n" for line in lines))


def status_table(tally: Tally) -> Table:
    table = new_table()
    table.add_column("Status")
    table.add_column("Submissions", justify="right")
    table.add_column("Share", justify="right")
    total = tally.submissions
    for status in STATUSES:
        name, style = VERDICT[status]
        table.add_row(Text(name, style=style if tally.status[status] else "dim"), str(tally.status[status]),
                      share(tally.status[status], total))
    table.add_row(Text("TOTAL", style="bold"), str(total), share(total, total), end_section=True)
    return table


def rule_table(tally: Tally) -> Table:
    table = new_table()
    table.add_column("Rule", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Findings", justify="right")
    table.add_column("Of submissions", justify="right")
    table.add_column("Title", ratio=1)
    for rule, t in tally.rules_by_frequency():
        table.add_row(rule, Text(t.severity, style=SEVERITY_STYLE.get(t.severity, "")), str(t.findings),
                      share(t.findings, tally.submissions), t.title)
    if not tally.rules:
        table.add_row("–", "", "0", "", "No findings.")
    return table


def period_table(tally: Tally) -> Table:
    table = new_table()
    table.add_column("Year", no_wrap=True)
    table.add_column("Direction", no_wrap=True)
    table.add_column("Submissions", justify="right")
    for status in STATUSES:
        table.add_column(VERDICT[status][0].capitalize(), justify="right")
    table.add_column("Findings", justify="right")
    for (year, direction), counts in tally.periods_sorted():
        table.add_row(label(year), label(direction), str(counts["submissions"]),
                      *(str(counts[s]) for s in STATUSES), str(counts["findings"]))
    return table


class AuditTextWriter:
    """The summary of an audit (counts per status, rule, year and direction), then what failed."""

    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.console = make_console(stream, options.get("width"))
        self.fail_on = options.get("fail_on") or "violation"
        self.tally = Tally()
        self.meta: dict[str, Any] = {}
        self.spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self.listed = self.failing = 0
        self.width = max(self.console.width, 40)

    def start(self, meta: dict[str, Any]) -> None:
        self.meta = meta

    def add(self, result: Result) -> None:
        self.tally.add(result)
        if result.status == "error":
            self.listed += 1
            self.list_error(result)
        elif result.fails(self.fail_on):
            self.listed += 1
            self.failing += 1
            self.list_failing(result)

    def wrap(self, text: str, indent: str = "    ") -> str:
        return textwrap.fill(text, self.width, initial_indent=indent, subsequent_indent=indent + "  ",
                             break_long_words=False, break_on_hyphens=False) + "\n"

    def heading(self, result: Result) -> str:
        details = [result.source, result.certificate, result.direction,
                   result.presented_on.isoformat() if result.presented_on else None]
        return self.wrap(f"{VERDICT[result.status][0]}  {result.submission or '(no id)'}  "
                         + " · ".join(d for d in details if d), indent="")

    def list_error(self, result: Result) -> None:
        err = result.error or {}
        self.spool.write(self.heading(result))
        self.spool.write(self.wrap(f"{err.get('location', result.source)}: {err.get('message', '')}") + "\n")

    def list_failing(self, result: Result) -> None:
        lines = [self.heading(result)]
        for f in result.findings:
            fields = f" [{', '.join(f.fields)}]" if f.fields else ""
            lines.append(self.wrap(f"{f.rule} {f.severity}: {f.message}{waived_note(f)}{fields}"))
        self.spool.write("".join(lines) + "\n")

    def finish(self, summary: dict[str, int]) -> None:
        c = self.console
        c.print(Text(f"kpcheck audit: {self.tally.submissions} submission(s), fail on {self.fail_on}", style="bold"))
        if self.meta.get("reference") == "example":
            c.print(Text("EXAMPLE REGISTERS: the signer, customs-point and entity lists are examples, "
                         "not the authorised body's official lists.", style="bold yellow"))
        c.print()
        for title, table in (("Submissions per status", status_table(self.tally)),
                             ("Findings per rule, most frequent first", rule_table(self.tally)),
                             ("Per year (of presented_on) and direction", period_table(self.tally))):
            c.print(Text(title, style="bold underline"))
            print_trimmed(c, table)
            c.print()
        errors = self.listed - self.failing
        c.print(Text(f"Submissions at or above {self.fail_on}: {self.failing}; could not be read: {errors}",
                     style="bold"))
        c.print()
        c.file.flush()
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, c.file)
        self.spool.close()
        if not self.listed:
            c.print("  None.", style="green")
            c.print()
        for part in identity_line(self.meta).split(" · "):
            c.print(Text(part, style="dim"))
