"""A check's outcome, below every layer that reports or stores it.

:class:`Result` is one submission's outcome; :func:`status_of` weighs its findings into a
:class:`~kpcheck.verdicts.Verdict`; :func:`summarize` counts results by status; ``STATUSES`` is
the order reports count them in and ``FAIL_ON`` the thresholds of ``--fail-on``. The engine,
batch, waivers, register, report and the library face all import these from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kpcheck.verdicts import Severity, Verdict

if TYPE_CHECKING:
    from kpcheck.engine import Finding, NotApplicable

STATUSES = tuple(Verdict)  # compliant, review, non_compliant, invalid, error: the order reports count them in
FAIL_ON = (Severity.INVALID.value, Severity.VIOLATION.value, Severity.WARNING.value, "never")


@dataclass
class Result:
    """The outcome for one submission, in input order."""

    submission: str | None
    source: str
    status: Verdict
    findings: list[Finding] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)
    error: dict[str, str] | None = None
    certificate: str | None = None
    direction: str | None = None
    presented_on: dt.date | None = None
    department: str | None = None  # territorial_department as given
    counterparty: str | None = None  # counterparty country code as given (importer on export, issuer on import)
    prices: tuple[tuple[str, int, int], ...] = ()  # audit only: (hs_code, line index, US$/ct x 10^6) per line

    def __post_init__(self) -> None:
        self.status = Verdict(self.status)  # given as text too ("compliant"): always the enum

    def fails(self, fail_on: str) -> bool:
        """At or above ``--fail-on``: a finding of that severity or worse (errors are exit 2)."""
        if fail_on == "never" or self.status is Verdict.ERROR:
            return False
        floor = Severity(fail_on).rank
        return any(Severity(f.severity).rank >= floor for f in self.findings if f.waived is None)


def status_of(findings: Iterable[Finding]) -> Verdict:
    """The worst finding decides: invalid > non_compliant > review > compliant."""
    if not findings:  # most submissions: nothing to weigh
        return Verdict.COMPLIANT
    return Verdict.of(max((Severity(f.severity) for f in findings), key=lambda s: s.rank, default=Severity.INFO))


def counterparty_of(sub: Any) -> str | None:
    """The counterparty country as given (rulebook.md): the importer's on export, the issuer's on import."""
    if sub.direction == "export":
        importer = sub.certificate.importer
        return importer.country if importer is not None else None
    issuer: str | None = sub.certificate.issuing_country
    return issuer


def summarize(results: Iterable[Result]) -> dict[str, int]:
    summary = {"submissions": 0, **{s.value: 0 for s in STATUSES}}
    for result in results:
        add_to_summary(summary, result)
    return summary


def add_to_summary(summary: dict[str, int], result: Result) -> None:
    summary["submissions"] += 1
    summary[result.status] += 1
