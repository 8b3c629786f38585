"""The impact of an amendment: a corpus of past submissions audited under two rulebooks.

``impact(old, new, sources)`` audits the same sources under both rulebooks (with the checks
across submissions, through :func:`kpcheck.batch.audit.audit`), walks the two result streams in
lock-step — same sources, same order — and keeps only what differs: the submissions whose
status or set of triggered rules changes, with counts per status transition, per rule and
per year of ``presented_on``. Neither audit is held in memory. Rendering is
:func:`render_text` (rich) and :func:`to_json`; nothing here prints on its own or exits.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpcheck.api import STATUSES, Checker, Result, RulebookInvalid
from kpcheck.batch.audit import audit
from kpcheck.rulebook.loader import RULES_DIR
from kpcheck.verdicts import Verdict

UNKNOWN_YEAR = "unknown"


class ImpactRulebookInvalid(RulebookInvalid):
    """One of the two rulebooks (``side`` is ``"old"`` or ``"new"``) does not load."""

    def __init__(self, side: str, errors: list[Exception]):
        super().__init__(errors)
        self.side = side


class CorpusMismatch(RuntimeError):
    """The two audits of the same sources did not yield the same submissions (a bug)."""


@dataclass(frozen=True)
class Change:
    """One submission whose status or triggered rules differ between the rulebooks."""

    submission: str | None
    source: str
    status_before: str
    status_after: str
    findings_added: tuple[str, ...]
    findings_removed: tuple[str, ...]
    year: str


@dataclass
class YearCount:
    submissions: int = 0
    changed: int = 0
    status_changes: Counter = field(default_factory=Counter)


@dataclass
class ImpactReport:
    """What an amendment changes on a corpus; ``changes`` in input order."""

    old: dict[str, str]
    new: dict[str, str]
    reference: str = "example"
    submissions: int = 0
    errors: int = 0
    changes: list[Change] = field(default_factory=list)
    status_changes: Counter = field(default_factory=Counter)
    rules: dict[str, dict[str, int]] = field(default_factory=dict)
    years: dict[str, YearCount] = field(default_factory=dict)

    def add(self, before: Result, after: Result) -> None:
        """Count one submission audited under both rulebooks."""
        self.submissions += 1
        year = str(before.presented_on.year) if before.presented_on else UNKNOWN_YEAR
        count = self.years.setdefault(year, YearCount())
        count.submissions += 1
        if before.status is Verdict.ERROR and after.status is Verdict.ERROR:
            self.errors += 1
        change = compare(before, after, year)
        if change is None:
            return
        self.changes.append(change)
        count.changed += 1
        if change.status_before != change.status_after:
            self.status_changes[(change.status_before, change.status_after)] += 1
            count.status_changes[(change.status_before, change.status_after)] += 1
        for rule in change.findings_added:
            self.rules.setdefault(rule, {"added": 0, "removed": 0})["added"] += 1
        for rule in change.findings_removed:
            self.rules.setdefault(rule, {"added": 0, "removed": 0})["removed"] += 1


def compare(before: Result, after: Result, year: str = UNKNOWN_YEAR) -> Change | None:
    """The change between two results of one submission, or None when status and rules agree."""
    if (before.source, before.submission) != (after.source, after.submission):
        raise CorpusMismatch(f"{before.source} ({before.submission}) against {after.source} ({after.submission})")
    old_rules = {f.rule for f in before.findings}
    new_rules = {f.rule for f in after.findings}
    if before.status == after.status and old_rules == new_rules:
        return None
    return Change(before.submission, before.source, before.status, after.status,
                  tuple(sorted(new_rules - old_rules)), tuple(sorted(old_rules - new_rules)), year)


def load_side(side: str, rules: Path | str | None, registers: Path | str | None, engine: str | None) -> Checker:
    """Load one rulebook; raises :class:`ImpactRulebookInvalid` naming the side."""
    try:
        return Checker.load(rules, registers, engine)
    except RulebookInvalid as exc:
        raise ImpactRulebookInvalid(side, exc.errors) from exc


def impact(old_dir: Path | str | None, new_dir: Path | str, sources: Iterable[str | Path],
           registers: Path | str | None = None, engine: str | None = None, jobs: int = 1) -> ImpactReport:
    """Audit ``sources`` under the old and the new rulebook and report what differs.

    ``old_dir`` None is the shipped rulebook. Both audits use the same registers and engine.
    Raises :class:`ImpactRulebookInvalid` when either rulebook does not load (nothing is run).
    """
    old_checker = load_side("old", old_dir or RULES_DIR, registers, engine)
    new_checker = load_side("new", new_dir, registers, engine)
    report = ImpactReport(_meta(old_checker), _meta(new_checker), old_checker.reference_kind)
    for before, after in lockstep(list(map(str, sources)), old_dir or RULES_DIR, new_dir, registers, engine, jobs):
        report.add(before, after)
    return report


def lockstep(sources: list[str], old_dir: Path | str, new_dir: Path | str, registers: Path | str | None,
             engine: str | None, jobs: int) -> Iterator[tuple[Result, Result]]:
    """Pairs (old result, new result) of every submission, in input order."""
    def options(rules: Path | str) -> dict[str, Any]:
        return {"rules": str(rules), "registers": str(registers) if registers else None, "engine": engine}

    olds = audit(sources, options(old_dir), jobs)
    news = audit(sources, options(new_dir), jobs)
    for pair in itertools.zip_longest(olds, news):
        if pair[0] is None or pair[1] is None:
            raise CorpusMismatch("the two audits of the same sources yielded different numbers of submissions")
        yield pair


def _meta(checker: Checker) -> dict[str, str]:
    return {"version": checker.book.version, "sha256": checker.rules_sha256}


def transition_key(pair: tuple[str, str], arrow: str = " -> ") -> str:
    return f"{pair[0]}{arrow}{pair[1]}"


def _sorted_transitions(counter: Counter) -> list[tuple[tuple[str, str], int]]:
    return sorted(counter.items(), key=lambda kv: (STATUSES.index(kv[0][0]), STATUSES.index(kv[0][1])))


def to_json(report: ImpactReport) -> dict[str, Any]:
    """The JSON impact report: ``changes`` (input order) and ``summary``."""
    changes = [{"submission": c.submission, "source": c.source, "status_before": c.status_before,
                "status_after": c.status_after, "findings_added": list(c.findings_added),
                "findings_removed": list(c.findings_removed)} for c in report.changes]
    summary = {
        "submissions": report.submissions,
        "changed": len(report.changes),
        "status_changes": {transition_key(k): n for k, n in _sorted_transitions(report.status_changes)},
        "rules": {rule: dict(report.rules[rule]) for rule in sorted(report.rules)},
        "old": dict(report.old),
        "new": dict(report.new),
    }
    return {"changes": changes, "summary": summary}


def render_text(report: ImpactReport, console: Console) -> None:
    """The impact report for people: summary, transitions, rules, years, then each change."""
    console.print(Text(f"Rulebook {report.old['version']} (sha256 {report.old['sha256'][:12]}) → "
                       f"{report.new['version']} (sha256 {report.new['sha256'][:12]})", style="bold"))
    if report.reference == "example":
        console.print(Text("EXAMPLE REGISTERS: the signer, customs-point and entity lists are examples.",
                           style="yellow"))
    line = f"{report.submissions} submission(s) re-run, {len(report.changes)} changed"
    if report.errors:
        line += f", {report.errors} could not be read or checked under either rulebook"
    console.print(Text(line, style="bold"))
    if not report.changes:
        console.print(Text("The amendment changes no submission of this corpus.", style="green"))
        return
    if report.status_changes:
        console.print(_transitions_table(report))
    if report.rules:
        console.print(_rules_table(report))
    console.print(_years_table(report))
    _print_changes(report, console)


def _transitions_table(report: ImpactReport) -> Table:
    table = Table(title="Status changes", title_justify="left", show_header=True, header_style="bold")
    table.add_column("From → to")
    table.add_column("Submissions", justify="right")
    for pair, n in _sorted_transitions(report.status_changes):
        table.add_row(transition_key(pair, " → "), str(n))
    return table


def _rules_table(report: ImpactReport) -> Table:
    table = Table(title="Findings per rule", title_justify="left", show_header=True, header_style="bold")
    table.add_column("Rule")
    table.add_column("Appear", justify="right")
    table.add_column("Disappear", justify="right")
    for rule in sorted(report.rules):
        counts = report.rules[rule]
        table.add_row(rule, str(counts["added"]), str(counts["removed"]))
    return table


def _years_table(report: ImpactReport) -> Table:
    table = Table(title="By year presented", title_justify="left", show_header=True, header_style="bold")
    table.add_column("Year")
    table.add_column("Re-run", justify="right")
    table.add_column("Changed", justify="right")
    table.add_column("Status changes")
    for year in sorted(report.years):
        count = report.years[year]
        moves = ", ".join(f"{transition_key(k, ' → ')}: {n}" for k, n in _sorted_transitions(count.status_changes))
        table.add_row(year, str(count.submissions), str(count.changed), moves or "-")
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
