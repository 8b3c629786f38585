"""Severity and Verdict: str enums that read as their values in every report."""

from __future__ import annotations

import csv
import io
import json

from kpcheck.api import STATUSES, Result, status_of, summarize
from kpcheck.engine import Finding
from kpcheck.rulebook.loader import RuleFile
from kpcheck.verdicts import Severity, Verdict


def finding(severity: str) -> Finding:
    return Finding("R-01", severity, "t", "m", (), ())


def test_members_read_as_their_values():
    for member in (*Verdict, *Severity):
        assert str(member) == f"{member}" == f"{member}" == member.value
    assert json.dumps({Verdict.NON_COMPLIANT: Verdict.ERROR}) == '{"non_compliant": "error"}'
    stream = io.StringIO()
    csv.writer(stream).writerow([Severity.WARNING, Verdict.REVIEW])
    assert stream.getvalue() == "warning,review\r\n"


def test_the_worst_finding_decides_the_verdict():
    assert status_of([]) is Verdict.COMPLIANT
    assert status_of([finding("info")]) is Verdict.COMPLIANT
    assert status_of([finding("warning"), finding("info")]) is Verdict.REVIEW
    assert status_of([finding("warning"), finding("violation")]) is Verdict.NON_COMPLIANT
    assert status_of([finding("invalid"), finding("violation")]) is Verdict.INVALID
    assert [Verdict.of(s) for s in Severity] == [Verdict.INVALID, Verdict.NON_COMPLIANT, Verdict.REVIEW, Verdict.COMPLIANT]


def test_a_result_holds_the_enum_even_when_given_text():
    result = Result("A", "a.json", "error")
    assert result.status is Verdict.ERROR and not result.fails("info")
    assert Result("B", "b.json", "review", [finding("warning")]).fails("warning")


def test_statuses_and_the_summary_keep_the_report_order_and_plain_keys():
    assert STATUSES == tuple(Verdict)
    assert [s.value for s in STATUSES] == ["compliant", "review", "non_compliant", "invalid", "error"]
    summary = summarize([Result("A", "a", "review"), Result("B", "b", Verdict.REVIEW)])
    assert summary == {"submissions": 2, "compliant": 0, "review": 2, "non_compliant": 0, "invalid": 0, "error": 0}
    assert all(type(key) is str for key in summary)


def test_the_rule_schema_reads_severity_as_the_enum():
    assert RuleFile.model_fields["severity"].annotation is Severity
