"""The audit's text report: the submissions to look at, then the summary, last, where a terminal keeps it.

Sections: every submission at or above ``--fail-on`` and every submission that could not be
read, in input order (at most ``options["max_listed"]`` of them when given: the command line
caps what a terminal shows); then submissions per status; findings per rule, most frequent
first; submissions and findings per year (of ``presented_on``) and direction. Every word is
in the report's language (``options["lang"]``).

Only counts are held for the whole batch (per status, per rule, per year and direction, per
territorial department and counterparty country). The list of submissions is rendered as it
streams (plain text, wrapped to the width: rich is too slow for millions of lines) into a
temporary file and copied into the output at ``finish()``.
"""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from rich import box
from rich.table import Table
from rich.text import Text

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import DIRECTION, SEVERITY, VERDICT, Gettext, waived_note, word
from kpcheck.input.shorten import safe
from kpcheck.report.text import SEVERITY_STYLE, VERDICT_STYLE, example_banner, identity_line, make_console, print_trimmed
from kpcheck.results import STATUSES, Result
from kpcheck.verdicts import Severity, Verdict

UNKNOWN = "unknown"
SEVERITIES = tuple(Severity)


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
    # territorial department / counterparty country as given -> "submissions", each status, "findings"
    departments: dict[str | None, Counter[str]] = field(default_factory=dict)
    counterparties: dict[str | None, Counter[str]] = field(default_factory=dict)

    def add(self, result: Result) -> None:
        self.status[result.status] += 1
        for table, key in ((self.departments, result.department), (self.counterparties, result.counterparty)):
            if result.status is Verdict.ERROR:
                break
            counts = table.setdefault(key.strip() or None if key else None, Counter())
            counts["submissions"] += 1
            counts[result.status] += 1
            counts["findings"] += len(result.findings)
        when = (result.presented_on.year if result.presented_on else None, result.direction)
        period = self.periods.setdefault(when, Counter())
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


def label(value: object, _: Gettext = str) -> str:
    return _(UNKNOWN) if value is None else str(value)


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def new_table() -> Table:
    return Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")


def status_table(tally: Tally, _: Gettext) -> Table:
    table = new_table()
    table.add_column(_("Status"))
    table.add_column(_("Submissions"), justify="right")
    table.add_column(_("Share"), justify="right")
    total = tally.submissions
    for status in STATUSES:
        style = VERDICT_STYLE[status]
        table.add_row(
            Text(word(VERDICT, status, _), style=style if tally.status[status] else "dim"),
            str(tally.status[status]),
            share(tally.status[status], total),
        )
    table.add_row(Text(_("TOTAL"), style="bold"), str(total), share(total, total), end_section=True)
    return table


def rule_table(tally: Tally, _: Gettext) -> Table:
    table = new_table()
    table.add_column(_("Rule"), no_wrap=True)
    table.add_column(_("Severity"), no_wrap=True)
    table.add_column(_("Findings"), justify="right")
    table.add_column(_("Of submissions"), justify="right")
    table.add_column(_("Title"), ratio=1)
    for rule, t in tally.rules_by_frequency():
        table.add_row(
            rule,
            Text(word(SEVERITY, t.severity, _), style=SEVERITY_STYLE.get(t.severity, "")),
            str(t.findings),
            share(t.findings, tally.submissions),
            t.title,
        )
    if not tally.rules:
        table.add_row("–", "", "0", "", _("No findings."))
    return table


def period_table(tally: Tally, _: Gettext) -> Table:
    table = new_table()
    table.add_column(_("Year"), no_wrap=True)
    table.add_column(_("Direction"), no_wrap=True)
    table.add_column(_("Submissions"), justify="right")
    for status in STATUSES:
        table.add_column(word(VERDICT, status, _).capitalize(), justify="right")
    table.add_column(_("Findings"), justify="right")
    for (year, direction), counts in tally.periods_sorted():
        table.add_row(
            label(year, _),
            word(DIRECTION, direction, _),
            str(counts["submissions"]),
            *(str(counts[s]) for s in STATUSES),
            str(counts["findings"]),
        )
    return table


class AuditTextWriter:
    """What failed, then the summary of an audit (counts per status, rule, year and direction)."""

    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.console = make_console(stream, options.get("width"))
        self.fail_on = options.get("fail_on") or Severity.VIOLATION.value
        self._ = gettext_for(options.get("lang") or "en")
        self.max_listed: int | None = options.get("max_listed")
        self.tally = Tally()
        self.meta: dict[str, Any] = {}
        self.spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self.listed = self.failing = self.errors = 0
        self.width = max(self.console.width, 40)

    def start(self, meta: dict[str, Any]) -> None:
        self.meta = meta

    def add(self, result: Result) -> None:
        self.tally.add(result)
        if result.status is not Verdict.ERROR and not result.fails(self.fail_on):
            return
        if result.status is Verdict.ERROR:
            self.errors += 1
        else:
            self.failing += 1
        if self.max_listed is not None and self.listed >= self.max_listed:
            return
        self.listed += 1
        self.list_error(result) if result.status is Verdict.ERROR else self.list_failing(result)

    def wrap(self, text: str, indent: str = "    ") -> str:
        """A paragraph of the list, its data escaped (:func:`kpcheck.input.shorten.safe`)."""
        return (
            textwrap.fill(
                safe(text),
                self.width,
                initial_indent=indent,
                subsequent_indent=indent + "  ",
                break_long_words=False,
                break_on_hyphens=False,
            )
            + "\n"
        )

    def heading(self, result: Result) -> str:
        _ = self._
        details = [
            result.source,
            result.certificate,
            word(DIRECTION, result.direction, _) if result.direction else None,
            result.presented_on.isoformat() if result.presented_on else None,
        ]
        return self.wrap(
            f"{word(VERDICT, result.status, _)}  {result.submission or _('(no id)')}  " + " · ".join(d for d in details if d), indent=""
        )

    def list_error(self, result: Result) -> None:
        err = result.error or {}
        self.spool.write(self.heading(result))
        self.spool.write(self.wrap(f"{err.get('location', result.source)}: {err.get('message', '')}") + "\n")

    def list_failing(self, result: Result) -> None:
        _ = self._
        lines = [self.heading(result)]
        for f in result.findings:
            fields = f" [{', '.join(f.fields)}]" if f.fields else ""
            lines.append(self.wrap(f"{f.rule} {word(SEVERITY, f.severity, _)}: {f.message}{waived_note(f, _)}{fields}"))
        self.spool.write("".join(lines) + "\n")

    def fail_level(self) -> str:
        return word(SEVERITY, self.fail_on, self._) if self.fail_on != "never" else self._("never")

    def list_heading(self) -> str:
        _ = self._
        if not self.failing and not self.errors:
            return _("No submission at or above {level}; every submission was read.").replace("{level}", self.fail_level())
        parts = [_("{n} at or above {level}").replace("{n}", str(self.failing)).replace("{level}", self.fail_level())]
        if self.errors:
            parts.append(_("{n} could not be read").replace("{n}", str(self.errors)))
        return _("Submissions to look at") + ": " + "; ".join(parts)

    def not_listed(self) -> str:
        left = self.failing + self.errors - self.listed
        return (
            self._("{n} more not listed here: -v lists them all, --format text=FILE writes them to a file.").replace("{n}", f"{left:,}")
            if left
            else ""
        )

    def finish(self, summary: dict[str, int]) -> None:
        c, _ = self.console, self._
        c.print(
            Text(
                _("kpcheck audit: {n} submission(s), fail on {level}")
                .replace("{n}", str(self.tally.submissions))
                .replace("{level}", self.fail_level()),
                style="bold",
            ),
            soft_wrap=True,
        )
        if self.meta.get("reference") == "example":
            c.print(example_banner(_), soft_wrap=not c.is_terminal)
        c.print()
        c.print(Text(self.list_heading(), style="bold"), soft_wrap=True)
        c.print()
        c.file.flush()
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, c.file)
        self.spool.close()
        if self.not_listed():
            c.print(Text(self.not_listed(), style="bold yellow"), soft_wrap=True)
            c.print()
        for title, table in (
            (_("Submissions per status"), status_table(self.tally, _)),
            (_("Findings per rule, most frequent first"), rule_table(self.tally, _)),
            (_("Per year (of presented_on) and direction"), period_table(self.tally, _)),
        ):
            c.print(Text(title, style="bold underline"))
            print_trimmed(c, table)
            c.print()
        for part in identity_line(self.meta, _).split(" · "):
            c.print(Text(part, style="dim"), soft_wrap=True)
