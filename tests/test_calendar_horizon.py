"""The working-day calendar's horizon: confirmed and provisional years, and no guess beyond them.

The issue's case: the fixture dup-deadline-2025-01-01.json moved four years on (damaged
2029-01-01, returned and presented 2029-01-13). 2 January 2029 is a public holiday by law, so
the deadline is 9 January and the return 3 working days late; on the plain week it would
wrongly be 8 January and 4 days.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ENGINE_KINDS, ROOT

from kpcheck.api import Checker
from kpcheck.cli.main import main
from kpcheck.input.models import Submission
from kpcheck.input.reader import Loaded
from kpcheck.reference.queries import check_reference, load_reference
from kpcheck.rulebook.loader import RULES_DIR
from kpcheck.tooling.lint import lint

FIXTURE = ROOT / "fixtures" / "submissions" / "dup-deadline-2025-01-01.json"


def moved(damaged: str, returned: str, presented: str) -> Loaded:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["presented_on"] = presented
    doc["duplicate"].update(damaged_on=damaged, returned_on=returned)
    return Loaded(source="moved.json", submission=Submission.model_validate_json(json.dumps(doc)))


@pytest.fixture(scope="module", params=ENGINE_KINDS)
def checker(request) -> Checker:
    return Checker.load(engine=request.param)


def test_2029_deadline_counts_the_holiday_and_notes_the_provisional_year(checker):
    result = checker.check_loaded(moved("2029-01-01", "2029-01-13", "2029-01-13"))
    (dup01,) = [f for f in result.findings if f.rule == "DUP-01"]
    assert "after the deadline of 2029-01-09: 3 working day(s) late" in dup01.message
    assert "2029-01-08" not in dup01.message
    assert len(dup01.notes) == 1 and "2029" in dup01.notes[0] and "provisional" in dup01.notes[0]
    assert dup01.message.endswith(dup01.notes[0])  # every report format shows it


def test_the_note_is_in_the_json_report_and_in_russian(tmp_path):
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["presented_on"] = "2029-01-13"
    doc["duplicate"].update(damaged_on="2029-01-01", returned_on="2029-01-13")
    path = tmp_path / "dup-2029.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--format", "json", "--lang", "ru", str(path)])
    assert result.exit_code == 1, result.output
    (dup01,) = [v for v in json.loads(result.stdout)["results"][0]["violations"] if v["rule"] == "DUP-01"]
    assert dup01["notes"] == [dup01["message"][-len(dup01["notes"][0]) :]]
    assert "предварительный" in dup01["notes"][0] and "2029" in dup01["notes"][0]


def test_a_confirmed_year_gets_no_note(checker):
    result = checker.check_loaded(moved("2025-01-01", "2025-01-13", "2025-01-13"))
    (dup01,) = [f for f in result.findings if f.rule == "DUP-01"]
    assert dup01.notes == () and "Note" not in dup01.message


def test_a_deadline_crossing_into_a_provisional_year_is_noted(checker):
    result = checker.check_loaded(moved("2026-12-28", "2027-01-20", "2027-01-20"))
    (dup01,) = [f for f in result.findings if f.rule == "DUP-01"]
    assert "2027" in dup01.notes[0]


@pytest.mark.parametrize("damaged,returned", [("2051-03-01", "2051-03-20"), ("2050-12-28", "2051-01-20")])
def test_past_every_covered_year_the_rule_is_not_applicable_with_its_reason(checker, damaged, returned):
    result = checker.check_loaded(moved(damaged, returned, returned))
    assert "DUP-01" not in [f.rule for f in result.findings]
    (na,) = [n for n in result.not_applicable if n.rule == "DUP-01"]
    assert "working-day calendar" in na.reason and "does not cover" in na.reason


def test_years_are_confirmed_then_provisional():
    calendar = load_reference(RULES_DIR).calendar
    assert calendar.covers(date(2012, 1, 1), date(2050, 12, 31))
    assert not calendar.covers(date(2011, 12, 31)) and not calendar.covers(date(2051, 1, 1))
    assert calendar.confirmed_until == date(2026, 12, 31)
    assert calendar.provisional_years(date(2025, 12, 1), date(2028, 1, 5)) == [2027, 2028]
    assert calendar.provisional_years(date(2026, 12, 1), date(2026, 12, 31)) == []


def _copy(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR / "reference", rules / "reference")
    return rules


def test_legal_staff_confirm_a_year_in_the_overrides_file(tmp_path):
    rules = _copy(tmp_path)
    overrides = rules / "reference" / "calendar-overrides.yaml"
    overrides.write_text(
        overrides.read_text(encoding="utf-8") + "confirmed:\n  - {year: 2027, source: Government Resolution (test)}\n", encoding="utf-8"
    )
    calendar = load_reference(rules).calendar
    assert calendar.confirmed_until == date(2027, 12, 31)
    assert calendar.provisional_years(date(2027, 1, 1), date(2028, 1, 1)) == [2028]


def test_a_year_without_status_does_not_load(tmp_path):
    rules = _copy(tmp_path)
    path = rules / "reference" / "calendar-kz.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    status: confirmed\n", "", 1), encoding="utf-8")
    errors = check_reference(rules)
    assert errors and any("status" in str(e) for e in errors)
    assert any(str(e).startswith(f"{path}:") for e in errors)


def test_lint_warns_when_the_confirmed_years_end_within_a_year():
    codes = {p.code for p in lint(RULES_DIR, today=date(2026, 3, 1))}
    assert "LNT204" in codes
    assert "LNT204" not in {p.code for p in lint(RULES_DIR, today=date(2025, 6, 1))}
    result = CliRunner().invoke(main, ["rules", "lint", "--today", "2026-12-01"])
    assert result.exit_code == 0, result.output  # a warning, not an error
    (line,) = [x for x in result.stdout.splitlines() if "[LNT204]" in x]
    assert "calendar-kz.yaml:" in line and "2026-12-31" in line
