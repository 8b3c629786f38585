"""Gathering the annual report's figures: from the register (its submissions, the decisions of
the year, its open items) or from files (read as ``stats`` reads them, then audited)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kpcheck.annual.compute import YEARS, AnnualReport, Enforcement, build, enforcement
from kpcheck.annual.template import Template
from kpcheck.api import Checker
from kpcheck.input.reader import Loaded, parse_json, read_sources
from kpcheck.input.text import normalise_number
from kpcheck.register.yearly import Decided
from kpcheck.results import Result
from kpcheck.stats.compute import Production, Stats, compute_stats


@dataclass(frozen=True)
class ReportInputs:
    year: int
    lang: str
    template: Template
    checker: Checker
    production: dict[int, Production] | None
    as_of: dt.date  # the day overdue items are counted on: the year's last, or today while it runs
    coupon_days: int
    receipt_days: int
    options: dict[str, Any]  # Checker.load's, for audit workers that cannot be forked


@dataclass(frozen=True)
class Drawn:
    report: AnnualReport
    stats: Stats
    figures: Enforcement
    unreadable: list[str]


def draw_up(inputs: ReportInputs, register: str | None, sources: list[str], jobs: int = 1) -> Drawn:
    """The report from the register ``register`` names, or else from ``sources``; with both,
    section E counts the register's certificates and the files' together (each once, as
    ``stats`` does) and section G is the register's. Raises
    :class:`~kpcheck.register.errors.RegisterError`."""
    if register:
        stats, figures, source = _from_register(inputs, register, sources)
    else:
        stats, figures, source = _from_files(inputs, sources, jobs)
    report = build(inputs.year, inputs.lang, inputs.template, inputs.checker.book, stats, figures, source, dt.date.today())
    return Drawn(report, stats, figures, list(stats.left_out.errors))


def _statistics(loaded: Iterator[Loaded], inputs: ReportInputs) -> Stats:
    return compute_stats(loaded, inputs.year - YEARS + 1, inputs.year, inputs.production)


def _from_register(inputs: ReportInputs, url: str, sources: list[str]) -> tuple[Stats, Enforcement, str]:
    from kpcheck.i18n import gettext_for
    from kpcheck.register.events import due_items
    from kpcheck.register.periods import periods_of
    from kpcheck.register.store import Register, canonical_documents
    from kpcheck.register.yearly import decisions_in

    periods = periods_of(inputs.checker, inputs.coupon_days, inputs.receipt_days)
    reg = Register.open(url, readonly=True)
    try:
        with reg.reading() as conn:
            stored = (parse_json(doc.encode(), f"{reg.shown}#{pk}") for pk, doc in canonical_documents(conn))
            stats = _statistics(itertools.chain(stored, read_sources(sources)), inputs)
            decided = list(decisions_in(conn, inputs.year))
            overdue = [item for item in due_items(conn, inputs.as_of, periods) if item.overdue(inputs.as_of)]
    finally:
        reg.close()
    figures = enforcement(decided, inputs.checker.book, True, overdue, inputs.as_of)
    return stats, figures, gettext_for(inputs.lang)("the certificate register")


def _from_files(inputs: ReportInputs, sources: list[str], jobs: int) -> tuple[Stats, Enforcement, str]:
    from kpcheck.checking import audit_results
    from kpcheck.i18n import ngettext_for

    stats = _statistics(read_sources(sources), inputs)
    results = audit_results(inputs.checker, sources, inputs.options, jobs, None)
    decided = [_decided(result) for result in results if _in_year(result, inputs.year)]
    figures = enforcement(decided, inputs.checker.book, False, None, inputs.as_of)
    n = len(sources)
    return stats, figures, ngettext_for(inputs.lang)("{n} source of submissions", "{n} sources of submissions", n).format(n=n)


def _in_year(result: Result, year: int) -> bool:
    return result.presented_on is None or result.presented_on.year == year  # unread submissions are counted, year unknown


def _decided(result: Result) -> Decided:
    findings = tuple((f.rule, str(f.severity), f.waived is not None) for f in result.findings)
    number = normalise_number(result.certificate) or result.source
    return Decided(result.direction or "", number, result.status.value, findings)
