"""``kpcheck rules impact``: exactly the submissions an amendment changes, in text and JSON."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import ROOT, kpcheck

from kpcheck.api import Checker
from kpcheck.cli.impact import impact
from kpcheck.rulebook.loader import RULES_DIR

FIXTURES = ROOT / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
CORPUS = [*sorted(str(p) for p in SUBMISSIONS.glob("dup-*.json")), str(FIXTURES / "impact")]
AE_MEMBER = "  AE: {name: United Arab Emirates, periods: [{from: 2003-01-01, status: member}]}\n"
AE_SUSPENDED_2024 = """\
  AE:
    name: United Arab Emirates
    periods:
      - {from: 2003-01-01, to: 2023-12-31, status: member}
      - {from: 2024-01-01, to: 2024-12-31, status: suspended}
      - {from: 2025-01-01, status: member}
"""


def compare(*args):
    """``kpcheck rules impact ARGS...`` (an exception of kpcheck's own goes through)."""
    return kpcheck("rules", "impact", *args, catch_exceptions=False)


def amended(tmp_path, file: str, old: str, new: str, count: int):
    """A copy of the shipped rulebook with ``old`` replaced by ``new`` in one file."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    path = rules / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count
    path.write_text(text.replace(old, new), encoding="utf-8")
    return rules


@pytest.fixture
def three_days(tmp_path):
    """DUP-01 amended: five working days to return a damaged certificate become three."""
    return amended(tmp_path, "DUP/DUP-01.yaml", "days: 5", "days: 3", 1)


@pytest.fixture
def ae_suspended(tmp_path):
    """The UAE suspended from the Scheme for 2024."""
    return amended(tmp_path, "reference/participants.yaml", AE_MEMBER, AE_SUSPENDED_2024, 1)


def json_report(*args):
    result = compare("--format", "json", "--engine", "python", "--jobs", "1", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_three_working_days_changes_exactly_the_returns_on_day_4_and_5(three_days):
    report = json_report("--new", three_days, *CORPUS)
    assert report["changes"] == [
        {
            "submission": "FX-IMPACT-DUP-DAY4-2024",
            "source": str(FIXTURES / "impact" / "dup-returned-day-4-2024.json"),
            "status_before": "review",
            "status_after": "non_compliant",
            "findings_added": ["DUP-01"],
            "findings_removed": [],
        },
        {
            "submission": "FX-IMPACT-DUP-DAY5-2019",
            "source": str(FIXTURES / "impact" / "dup-returned-day-5-2019.json"),
            "status_before": "review",
            "status_after": "non_compliant",
            "findings_added": ["DUP-01"],
            "findings_removed": [],
        },
    ]
    summary = report["summary"]
    shipped = Checker.load(engine="python")
    assert summary["submissions"] == 6 + 8 and summary["changed"] == 2
    assert summary["status_changes"] == {"review -> non_compliant": 2}
    assert summary["rules"] == {"DUP-01": {"added": 2, "removed": 0}}
    assert summary["old"] == {"version": shipped.book.version, "sha256": shipped.rules_sha256}
    assert summary["new"]["sha256"] != summary["old"]["sha256"]


def test_the_reverse_amendment_removes_the_findings(three_days, tmp_path):
    output = tmp_path / "impact.json"
    result = compare("--old", three_days, "--new", RULES_DIR, "--format", "json", "--output", output, "--jobs", "2", *CORPUS)
    assert result.exit_code == 0, result.output
    report = json.loads(output.read_text(encoding="utf-8"))
    assert [(c["submission"], c["status_after"], c["findings_removed"]) for c in report["changes"]] == [
        ("FX-IMPACT-DUP-DAY4-2024", "review", ["DUP-01"]),
        ("FX-IMPACT-DUP-DAY5-2019", "review", ["DUP-01"]),
    ]
    assert report["summary"]["rules"] == {"DUP-01": {"added": 0, "removed": 2}}


def test_text_report_shows_transitions_rules_years_and_submissions(three_days):
    result = compare("--new", three_days, "--engine", "python", "--jobs", "1", *CORPUS)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "14 submission(s) re-run, 2 changed" in text
    assert "review → non_compliant │ 2" in text
    assert "DUP-01 │ 2 │ 0" in text
    assert "2019 │ 1 │ 1 │ review → non_compliant: 1" in text
    assert "2024 │ 10 │ 1 │ review → non_compliant: 1" in text
    assert "FX-IMPACT-DUP-DAY4-2024" in text and "FX-IMPACT-DUP-DAY3-2024" not in text
    assert "EXAMPLE registers" in result.stderr


def counterparty_is_ae_in_2024(path) -> bool:
    doc = json.loads(path.read_text(encoding="utf-8"))
    cert = doc["certificate"]
    country = cert["importer"]["country"] if doc["direction"] == "export" else cert["issuing_country"]
    return country == "AE" and doc["presented_on"].startswith("2024-")


def test_participant_suspension_changes_exactly_the_trade_with_it_that_year(ae_suspended):
    report = json_report("--new", ae_suspended, *CORPUS)
    changed = {c["submission"] for c in report["changes"]}
    assert changed == {
        "FX-DUP-DAMAGED-NO-REQUEST",
        "FX-DUP-DEADLINE-2024-03-15",
        "FX-DUP-DEADLINE-2024-04-29",
        "FX-DUP-DEADLINE-2024-05-03",
        "FX-DUP-INCOMPLETE",
        "FX-IMPACT-EXPORT-AE-2024",
        "FX-IMPACT-IMPORT-AE-2024",
    }
    paths = list(SUBMISSIONS.glob("dup-*.json")) + list((FIXTURES / "impact").glob("*.json"))
    expected_sources = {str(p) for p in paths if counterparty_is_ae_in_2024(p)}
    assert {c["source"] for c in report["changes"]} == expected_sources
    assert all(c["findings_added"] == ["TRADE-02"] and c["findings_removed"] == [] for c in report["changes"])
    by_id = {c["submission"]: c for c in report["changes"]}
    assert (by_id["FX-IMPACT-IMPORT-AE-2024"]["status_before"], by_id["FX-IMPACT-IMPORT-AE-2024"]["status_after"]) == (
        "compliant",
        "non_compliant",
    )
    assert report["summary"]["status_changes"] == {"compliant -> non_compliant": 2, "review -> non_compliant": 1}
    assert report["summary"]["rules"] == {"TRADE-02": {"added": 7, "removed": 0}}


def test_an_amendment_that_changes_no_outcome_changes_nothing(tmp_path):
    copy = amended(tmp_path, "DUP/DUP-01.yaml", "id: DUP-01\n", "id: DUP-01\n# a comment of the legal staff\n", 1)
    result = compare("--new", copy, "--engine", "python", "--jobs", "1", FIXTURES / "impact")
    assert result.exit_code == 0, result.output
    assert "8 submission(s) re-run, 0 changed" in result.stdout
    assert "changes no submission" in result.stdout


@pytest.mark.parametrize("how", ["shipped", "copy"])
def test_a_rulebook_compared_with_itself_is_refused(tmp_path, how):
    """The same rulebook on both sides (the shipped rulebook, or a copy of it with the same hash)
    is no amendment: exit 2 with a message, never "changes no submission"."""
    new = RULES_DIR if how == "shipped" else tmp_path / "rules"
    if how == "copy":
        shutil.copytree(RULES_DIR, new)
    result = compare("--new", new, "--engine", "python", "--jobs", "1", FIXTURES / "impact")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "are the same (rulebook hash" in result.stderr
    assert "nothing to compare" in result.stderr


def test_a_rulebook_that_does_not_load_exits_2_naming_file_line_col(tmp_path):
    broken = amended(tmp_path, "DUP/DUP-01.yaml", "fact: working_day_deadline,", "fact: working_day_dedline,", 1)
    result = compare("--new", broken, "--format", "json", FIXTURES / "impact")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{broken / 'DUP' / 'DUP-01.yaml'}:18:" in result.stderr
    assert "did you mean 'working_day_deadline'" in result.stderr
    assert "new rulebook" in result.stderr


def test_new_is_required():
    result = CliRunner().invoke(impact, [str(FIXTURES / "impact")])
    assert result.exit_code == 2
    assert "--new" in result.output


def test_kpcheck_rules_impact(three_days):
    from kpcheck.cli.main import main

    result = CliRunner().invoke(
        main,
        ["rules", "impact", "--new", str(three_days), "--engine", "python", "--jobs", "1", "--format", "json", str(FIXTURES / "impact")],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["changed"] == 2
