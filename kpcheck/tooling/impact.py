"""The impact of an amendment: a corpus of past submissions audited under two rulebooks.

``impact(old, new, sources)`` audits the same sources under both rulebooks (with the checks
across submissions, through :func:`kpcheck.batch.audit.audit`), walks the two result streams in
lock-step — same sources, same order — and keeps only what differs: the submissions whose
status or set of triggered rules changes, with counts per status transition, per rule and
per year of ``presented_on``. Neither audit is held in memory. Rendering is
:mod:`kpcheck.tooling.impact_render`'s (text and JSON); nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpcheck.api import Checker, RulebookInvalid
from kpcheck.batch.audit import audit
from kpcheck.results import Result
from kpcheck.rulebook.dated import is_dated, steps_of
from kpcheck.rulebook.loader import RULES_DIR, Rule, Rulebook
from kpcheck.verdicts import Verdict

UNKNOWN_YEAR = "unknown"


class ImpactRulebookInvalid(RulebookInvalid):
    """One of the two rulebooks (``side`` is ``"old"`` or ``"new"``) does not load."""

    def __init__(self, side: str, errors: list[Exception]):
        super().__init__(errors)
        self.side = side


class SameRulebook(ValueError):
    """The old and the new rulebook are the same (same hash): an amendment compared with itself."""

    def __init__(self, sha256: str):
        super().__init__(sha256)
        self.sha256 = sha256


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
    status_changes: Counter[tuple[str, str]] = field(default_factory=Counter)


@dataclass
class ImpactReport:
    """What an amendment changes on a corpus; ``changes`` in input order."""

    old: dict[str, str]
    new: dict[str, str]
    reference: str = "example"
    submissions: int = 0
    errors: int = 0
    changes: list[Change] = field(default_factory=list)
    status_changes: Counter[tuple[str, str]] = field(default_factory=Counter)
    rules: dict[str, dict[str, int]] = field(default_factory=dict)
    years: dict[str, YearCount] = field(default_factory=dict)
    cuts: tuple[dt.date, ...] = ()  # the days on which the amendment's values or dates in force change
    periods: dict[str, YearCount] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for label in period_labels(self.cuts):
            self.periods.setdefault(label, YearCount())

    def add(self, before: Result, after: Result) -> None:
        """Count one submission audited under both rulebooks."""
        self.submissions += 1
        year = str(before.presented_on.year) if before.presented_on else UNKNOWN_YEAR
        count = self.years.setdefault(year, YearCount())
        count.submissions += 1
        period = self.periods.setdefault(period_of(self.cuts, before.presented_on), YearCount()) if self.cuts else None
        if period is not None:
            period.submissions += 1
        if before.status is Verdict.ERROR and after.status is Verdict.ERROR:
            self.errors += 1
        change = compare(before, after, year)
        if change is None:
            return
        self.changes.append(change)
        count.changed += 1
        if period is not None:
            period.changed += 1
        if change.status_before != change.status_after:
            self.status_changes[(change.status_before, change.status_after)] += 1
            count.status_changes[(change.status_before, change.status_after)] += 1
            if period is not None:
                period.status_changes[(change.status_before, change.status_after)] += 1
        for rule in change.findings_added:
            self.rules.setdefault(rule, {"added": 0, "removed": 0})["added"] += 1
        for rule in change.findings_removed:
            self.rules.setdefault(rule, {"added": 0, "removed": 0})["removed"] += 1


def period_labels(cuts: tuple[dt.date, ...]) -> list[str]:
    """The periods the cut days divide time into: ``until D1-1``, ``D1 to D2-1``, ..., ``from Dn``."""
    if not cuts:
        return []
    day = dt.timedelta(days=1)
    out = [f"until {(cuts[0] - day).isoformat()}"]
    out += [f"{a.isoformat()} to {(b - day).isoformat()}" for a, b in itertools.pairwise(cuts)]
    return [*out, f"from {cuts[-1].isoformat()}"]


def period_of(cuts: tuple[dt.date, ...], day: dt.date | None) -> str:
    """The label of the period ``day`` falls in (:data:`UNKNOWN_YEAR` without a day)."""
    if day is None:
        return UNKNOWN_YEAR
    return period_labels(cuts)[bisect_right(cuts, day)]


def _rule_days(rule: Rule) -> set[dt.date]:
    """The days a rule's values, texts or force change on (after it comes into force)."""
    spec = rule.spec
    histories = [v for v in spec.params.values() if is_dated(v)]
    histories += [h for h in (spec.dated.message, spec.dated.legal_basis, *spec.dated.translations.values()) if h]
    days = {d for h in histories for d, _ in steps_of(h)} | {spec.in_force.from_}
    if spec.in_force.to is not None:
        days.add(spec.in_force.to + dt.timedelta(days=1))
    return days


def amendment_days(old: Rulebook, new: Rulebook) -> tuple[dt.date, ...]:
    """The days on which what differs between two rulebooks takes or loses effect: the dates of
    the values by date and of the dates in force of every rule that differs (changes before the
    earliest of these are retroactive corrections, and show as such)."""
    days: set[dt.date] = set()
    for rule in {r.id for r in old.rules} | {r.id for r in new.rules}:
        a, b = old.get(rule), new.get(rule)
        if a is not None and b is not None and a.spec == b.spec:
            continue
        first = min(r.spec.in_force.from_ for r in (a, b) if r is not None)
        for r in (a, b):
            if r is not None:
                days |= {d for d in _rule_days(r) if d > first or a is None or b is None}
    return tuple(sorted(days))


def compare(before: Result, after: Result, year: str = UNKNOWN_YEAR) -> Change | None:
    """The change between two results of one submission, or None when status and rules agree."""
    if (before.source, before.submission) != (after.source, after.submission):
        raise CorpusMismatch(f"{before.source} ({before.submission}) against {after.source} ({after.submission})")
    old_rules = {f.rule for f in before.findings}
    new_rules = {f.rule for f in after.findings}
    if before.status == after.status and old_rules == new_rules:
        return None
    return Change(
        before.submission,
        before.source,
        before.status,
        after.status,
        tuple(sorted(new_rules - old_rules)),
        tuple(sorted(old_rules - new_rules)),
        year,
    )


def load_side(side: str, rules: Path | str | None, registers: Path | str | None, engine: str | None) -> Checker:
    """Load one rulebook; raises :class:`ImpactRulebookInvalid` naming the side."""
    try:
        return Checker.load(rules, registers, engine)
    except RulebookInvalid as exc:
        raise ImpactRulebookInvalid(side, exc.errors) from exc


def impact(
    old_dir: Path | str | None,
    new_dir: Path | str,
    sources: Iterable[str | Path],
    registers: Path | str | None = None,
    engine: str | None = None,
    jobs: int = 1,
) -> ImpactReport:
    """Audit ``sources`` under the old and the new rulebook and report what differs.

    ``old_dir`` None is the shipped rulebook. Both audits use the same registers and engine.
    Raises :class:`ImpactRulebookInvalid` when either rulebook does not load and
    :class:`SameRulebook` when both have the same hash (nothing is run).
    """
    old_checker = load_side("old", old_dir or RULES_DIR, registers, engine)
    new_checker = load_side("new", new_dir, registers, engine)
    if old_checker.rules_sha256 == new_checker.rules_sha256:
        raise SameRulebook(old_checker.rules_sha256)
    report = ImpactReport(
        _meta(old_checker), _meta(new_checker), old_checker.reference_kind, cuts=amendment_days(old_checker.book, new_checker.book)
    )
    for before, after in lockstep(list(map(str, sources)), old_dir or RULES_DIR, new_dir, registers, engine, jobs):
        report.add(before, after)
    return report


def lockstep(
    sources: list[str], old_dir: Path | str, new_dir: Path | str, registers: Path | str | None, engine: str | None, jobs: int
) -> Iterator[tuple[Result, Result]]:
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
