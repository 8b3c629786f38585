"""Waivers: a waived finding stays marked and stops counting; every ignored waiver names its line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import textwrap

import pytest
from conftest import ROOT

from kpcheck.api import Checker, status_of
from kpcheck.batch.audit import audit
from kpcheck.problems import Level, Problem, explain
from kpcheck.waivers import (
    EXPIRED,
    INAPPLICABLE,
    MALFORMED,
    REFUSED,
    UNKNOWN_RULE,
    Waiver,
    WaiverBook,
    WaiverFileError,
    apply_waivers,
    load_waivers,
    severities_of,
)

FIXTURES = ROOT / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
DUP_0315 = SUBMISSIONS / "dup-deadline-2024-03-15.json"  # KZ000200, presented 2024-03-28, DUP-01
ERASURE = SUBMISSIONS / "cond-erasure-stains.json"  # FIX-COND-0001, COND-01 (invalid) and COND-02


@pytest.fixture(scope="module")
def checker():
    return Checker.load(engine="python")


@pytest.fixture(scope="module")
def severities(checker):
    return severities_of(checker.book)


def checked(checker, path):
    (result,) = checker.check_paths([path])
    return result


def waiver_file(tmp_path, body: str):
    path = tmp_path / "waivers.yaml"
    path.write_text("waivers:\n" + textwrap.dedent(body).strip("\n") + "\n", encoding="utf-8")
    return path


GOOD = """\
  - certificate: "kz 000-200"
    rule: DUP-01
    reason: Department closed by flood.
    granted_by: Order No 45-p of 02.04.2024
    expires_on: {expires}
"""


def test_waived_finding_stays_marked_and_does_not_count(checker, severities, tmp_path):
    result = checked(checker, DUP_0315)
    assert result.status == "non_compliant" and [f.rule for f in result.findings] == ["DUP-01"]
    path = waiver_file(tmp_path, GOOD.format(expires="2024-12-31"))
    waivers, warnings = load_waivers(path, severities)
    assert warnings == []
    waived, problems = apply_waivers(result, result.presented_on, result.certificate, waivers)
    assert problems == []
    assert waived.status == "compliant"
    (finding,) = waived.findings
    assert finding.rule == "DUP-01" and finding.message == result.findings[0].message
    assert finding.waived == {
        "reason": "Department closed by flood.",
        "granted_by": "Order No 45-p of 02.04.2024",
        "expires_on": "2024-12-31",
        "line": f"{path}:2",
    }
    assert result.findings[0].waived is None  # the input result is not changed


def test_status_follows_the_findings_not_waived(checker, severities, tmp_path):
    """Under audit DUP-01 and XREF-02 (a warning) trigger: waiving DUP-01 leaves review."""
    path = waiver_file(tmp_path, GOOD.format(expires="2024-12-31"))
    book = WaiverBook.load(path, severities)
    (result,) = [r for r in audit([str(DUP_0315)], {"engine": "python"}) if r.submission]
    assert [f.rule for f in result.findings] == ["DUP-01", "XREF-02"] and result.status == "non_compliant"
    waived, _ = book.apply(result)
    assert waived.status == "review"
    assert [(f.rule, f.waived is not None) for f in waived.findings] == [("DUP-01", True), ("XREF-02", False)]


def test_a_waiver_by_submission_applies_to_that_submission_only(checker, severities, tmp_path):
    result = checked(checker, DUP_0315)
    other = dataclasses.replace(result, submission="ANOTHER-ID", certificate="KZ000999")
    path = waiver_file(
        tmp_path,
        """\
      - submission: FX-DUP-DEADLINE-2024-03-15
        rule: DUP-01
        reason: r
        granted_by: g
        expires_on: 2024-12-31
    """,
    )
    waivers, _ = load_waivers(path, severities)
    assert apply_waivers(result, result.presented_on, result.certificate, waivers)[0].status == "compliant"
    assert apply_waivers(other, other.presented_on, other.certificate, waivers)[0].status == "non_compliant"


@pytest.mark.parametrize("expires, applied", [("2024-03-28", True), ("2024-03-27", False)])
def test_expiry_is_compared_with_presented_on_not_the_clock(checker, severities, tmp_path, expires, applied):
    """Presented on 2024-03-28: a waiver expiring that day applies, one expiring the day before does not."""
    result = checked(checker, DUP_0315)
    path = waiver_file(tmp_path, GOOD.format(expires=expires))
    book = WaiverBook.load(path, severities)
    warned = []
    (waived,) = book.waive([result], warned.append)
    assert waived.status == ("compliant" if applied else "non_compliant")
    assert (waived.findings[0].waived is not None) is applied
    if applied:
        assert warned == []
    else:
        (warning,) = warned  # expired, and not also reported as inapplicable
        assert (warning.location, warning.code) == (f"{path}:2", EXPIRED)
        assert "expired on 2024-03-27" in warning.message and "presented on 2024-03-28" in warning.message


def test_malformed_waivers_are_ignored_with_their_line(severities, tmp_path):
    path = waiver_file(
        tmp_path,
        """\
      - certificate: KZ000200
        rule: DUP-01
        reason: no granted_by
        expires_on: 2024-12-31
      - certificate: KZ000200
        submission: FX-1
        rule: DUP-01
        reason: both targets
        granted_by: g
        expires_on: 2024-12-31
      - rule: DUP-01
        reason: no target
        granted_by: g
        expires_on: 2024-12-31
      - certificate: KZ000200
        rule: DUP-01
        reason: not a date
        granted_by: g
        expires_on: 2024-13-01
      - certificate: KZ000200
        rule: DUP-01
        reason: a typo in a field name
        granted_by: g
        expires: 2024-12-31
      - certificate: KZ000200
        rule: DUP-1
        reason: unknown rule
        granted_by: g
        expires_on: 2024-12-31
      - certificate: 000200
        rule: DUP-01
        reason: a number YAML reads as an integer
        granted_by: g
        expires_on: 2024-12-31
      - just a string
      - submission: FX-DUP-DEADLINE-2024-03-15
        rule: DUP-01
        reason: the only good one
        granted_by: g
        expires_on: 2024-12-31
    """,
    )
    waivers, warnings = load_waivers(path, severities)
    assert [w.reason for w in waivers] == ["the only good one"]
    assert [(w.location, w.code) for w in warnings] == [
        (f"{path}:2", MALFORMED),
        (f"{path}:6", MALFORMED),
        (f"{path}:12", MALFORMED),
        (f"{path}:20", MALFORMED),
        (f"{path}:25", MALFORMED),
        (f"{path}:27", UNKNOWN_RULE),
        (f"{path}:31", MALFORMED),
        (f"{path}:36", MALFORMED),
    ]
    messages = [w.message for w in warnings]
    assert "'granted_by' is missing" in messages[0]
    assert "exactly one of 'submission' and 'certificate'" in messages[1] and messages[1] == messages[2]
    assert "not a date" in messages[3]
    assert "did you mean 'expires_on'" in messages[4]
    assert "did you mean 'DUP-01'" in messages[5]
    assert "quote it" in messages[6]
    assert all(w.text.startswith(f"{w.location}: waiver ignored: ") and w.text.endswith(f" [{w.code}]") for w in warnings)
    # one problem type: each warning is a Problem at the level the catalogue gives its code
    assert all(isinstance(w, Problem) and w.level is Level.WARNING is explain(w.code).level for w in warnings)


def test_a_waiver_of_an_invalid_finding_is_refused(checker, severities, tmp_path):
    result = checked(checker, ERASURE)
    assert result.status == "invalid" and [f.rule for f in result.findings] == ["COND-01", "COND-02"]
    path = waiver_file(
        tmp_path,
        """\
      - submission: FIX-COND-0001
        rule: COND-01
        reason: The erasure was made by the issuing officer.
        granted_by: Order No 60-p
        expires_on: 2024-12-31
    """,
    )
    waivers, warnings = load_waivers(path, severities)
    assert waivers == []
    (warning,) = warnings
    assert (warning.location, warning.code) == (f"{path}:3", REFUSED)
    assert "cannot be waived: the certificate is void" in warning.message
    # Even a waiver built by hand is not applied to an invalid finding.
    forced = Waiver("COND-01", "r", "g", dt.date(2024, 12, 31), "hand:1", submission="FIX-COND-0001")
    waived, _ = apply_waivers(result, result.presented_on, result.certificate, [forced])
    assert waived.status == "invalid" and all(f.waived is None for f in waived.findings)


def test_a_waiver_that_matches_no_finding_is_reported_at_the_end(checker, severities, tmp_path):
    path = waiver_file(
        tmp_path,
        GOOD.format(expires="2024-12-31")
        + """\
  - submission: FX-DUP-DEADLINE-2024-03-15
    rule: DUP-03
    reason: no DUP-03 finding
    granted_by: g
    expires_on: 2024-12-31
""",
    )
    book = WaiverBook.load(path, severities)
    warned = []
    results = book.waive(checker.check_paths([DUP_0315, ERASURE]), warned.append)
    assert next(results).status == "compliant"
    assert warned == []  # reported only once every submission is seen
    assert next(results).status == "invalid"
    assert next(results, None) is None
    (warning,) = warned
    assert (warning.location, warning.code) == (f"{path}:7", INAPPLICABLE)
    assert "DUP-03" in warning.message and "matches no finding" in warning.message
    assert (warning.rule, warning.level) == ("DUP-03", Level.WARNING)


def test_an_error_result_is_left_alone(checker, severities, tmp_path):
    (result,) = checker.check_paths([tmp_path / "missing.json"])
    waivers, _ = load_waivers(waiver_file(tmp_path, GOOD.format(expires="2024-12-31")), severities)
    assert apply_waivers(result, result.presented_on, result.certificate, waivers) == (result, [])


@pytest.mark.parametrize(
    "text, message",
    [
        ("waivers: [\n", "expected"),
        ("- certificate: KZ000200\n", "top-level 'waivers:' list"),
        ("waivers: []\nextra: 1\n", "unknown top-level key 'extra'"),
    ],
)
def test_a_waiver_file_that_does_not_read_is_an_error(severities, tmp_path, text, message):
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WaiverFileError) as caught:
        load_waivers(path, severities)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)
    with pytest.raises(WaiverFileError, match="cannot read"):
        load_waivers(tmp_path / "absent.yaml", severities)


def test_the_example_waiver_files(checker, severities):
    """fixtures/waivers: granted.yaml is clean; problems.yaml holds one entry of each kind ignored."""
    granted = WaiverBook.load(FIXTURES / "waivers" / "granted.yaml", severities)
    assert granted.warnings == [] and len(granted.waivers) == 2
    problems = WaiverBook.load(FIXTURES / "waivers" / "problems.yaml", severities)
    sources = [
        str(SUBMISSIONS / n)
        for n in (
            "dup-deadline-2024-03-15.json",
            "dup-deadline-2024-04-29.json",
            "dup-deadline-2024-05-03.json",
            "cond-erasure-stains.json",
        )
    ]
    warned = []
    statuses = {r.submission: r.status for r in granted.waive(audit(sources, {"engine": "python"}), warned.append)}
    assert warned == [] and statuses["FX-DUP-DEADLINE-2024-03-15"] == "compliant"
    list(problems.waive(audit(sources, {"engine": "python"}), warned.append))
    assert sorted(w.code for w in warned) == [MALFORMED, REFUSED, EXPIRED, INAPPLICABLE]
    assert all(w.location.startswith(str(FIXTURES / "waivers" / "problems.yaml") + ":") for w in warned)


def test_status_of_ignores_nothing_by_itself(checker):
    """The waived status is status_of over the findings not waived; status_of itself is unchanged."""
    result = checked(checker, DUP_0315)
    marked = [dataclasses.replace(f, waived={"reason": "r"}) for f in result.findings]
    assert status_of(marked) == "non_compliant"
    assert status_of([f for f in marked if f.waived is None]) == "compliant"


# --- the command line (active once kpcheck/cli/main.py has --waivers) ----------------------------------


def _cli_has_waivers() -> bool:
    from kpcheck.cli.main import check

    return any(p.name == "waivers" for p in check.params)


needs_hook = pytest.mark.skipif(not _cli_has_waivers(), reason="kpcheck.cli.main has no --waivers option yet")
GRANTED = FIXTURES / "waivers" / "granted.yaml"
PROBLEMS = FIXTURES / "waivers" / "problems.yaml"


def cli(*args, **kwargs):
    from click.testing import CliRunner

    from kpcheck.cli.main import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)


@needs_hook
def test_cli_check_with_a_waiver_exits_0_and_keeps_the_finding_marked():
    result = cli("check", "--engine", "python", "--format", "json", "--waivers", GRANTED, DUP_0315)
    assert result.exit_code == 0, result.output
    (res,) = json.loads(result.stdout)["results"]
    assert res["status"] == "compliant"
    (violation,) = res["violations"]
    assert violation["rule"] == "DUP-01" and violation["waived"]["line"] == f"{GRANTED}:8"
    assert violation["waived"]["expires_on"] == "2024-12-31"
    # check runs no XREF rule: the XREF-02 waiver matches nothing and says so, naming its line
    assert f"{GRANTED}:15:" in result.stderr and "WAI005" in result.stderr


@needs_hook
def test_cli_text_report_marks_the_waived_finding():
    result = cli("check", "--engine", "python", "--waivers", GRANTED, DUP_0315, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "COMPLIANT" in result.stdout and "(waived" in result.stdout and "45-p" in result.stdout


@needs_hook
def test_cli_audit_warns_for_each_ignored_waiver_with_its_line():
    sources = [
        SUBMISSIONS / n
        for n in (
            "dup-deadline-2024-03-15.json",
            "dup-deadline-2024-04-29.json",
            "dup-deadline-2024-05-03.json",
            "cond-erasure-stains.json",
        )
    ]
    result = cli("audit", "--engine", "python", "--jobs", "1", "--format", "json", "--waivers", PROBLEMS, *sources)
    assert result.exit_code == 1
    statuses = [r["status"] for r in json.loads(result.stdout)["results"]]
    assert statuses == ["non_compliant", "non_compliant", "non_compliant", "invalid"]
    for line, code in ((3, EXPIRED), (8, MALFORMED), (13, REFUSED), (17, INAPPLICABLE)):
        assert f"{PROBLEMS}:{line}: " in result.stderr and code in result.stderr


@needs_hook
def test_cli_a_waiver_file_that_does_not_read_exits_2(tmp_path):
    bad = tmp_path / "w.yaml"
    bad.write_text("waivers: [\n", encoding="utf-8")
    result = cli("check", "--engine", "python", "--format", "json", "--waivers", bad, DUP_0315)
    assert result.exit_code == 2
    assert result.stdout == "" and f"{bad}:" in result.stderr
