"""DUP-01 on the four worked deadlines of the rulebook (holidays 0.109), on both engines.

Each fixture ``fixtures/submissions/dup-deadline-<damaged_on>.json`` is a duplicate request whose damaged
original was returned one working day after the deadline, so DUP-01 triggers and its message
gives the deadline computed and "1 working day" late.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from kpcheck.api import Checker
from kpcheck.engine import durable

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "submissions"
ENGINES = ["python"] + (["durable"] if durable.AVAILABLE else [])

# damaged_on -> (deadline: the 5th Kazakh working day after, returned_on: the next working day)
WORKED = {
    "2024-03-15": ("2024-03-27", "2024-03-28"),  # Nauryz 21-23 March and the 25th off
    "2024-04-29": ("2024-05-06", "2024-05-10"),  # 1 May off; Saturday 4 May worked; 7-9 May off
    "2024-05-03": ("2024-05-14", "2024-05-15"),  # Saturday 4 May worked; 7, 8 and 9 May off
    "2025-01-01": ("2025-01-10", "2025-01-13"),  # 2, 3 and 7 January off; Sunday 5 January worked
}


@pytest.fixture(scope="module", params=ENGINES)
def checker(request: pytest.FixtureRequest) -> Checker:
    return Checker.load(engine=request.param)


@pytest.mark.parametrize("damaged", sorted(WORKED))
def test_fixture_is_one_working_day_late(damaged: str) -> None:
    deadline, returned = WORKED[damaged]
    doc = json.loads((FIXTURES / f"dup-deadline-{damaged}.json").read_text(encoding="utf-8"))
    assert doc["direction"] == "export"
    assert doc["duplicate"]["damaged_on"] == damaged
    assert doc["duplicate"]["returned_on"] == returned
    assert date.fromisoformat(returned) > date.fromisoformat(deadline)


@pytest.mark.parametrize("damaged", sorted(WORKED))
def test_calendar_gives_the_worked_deadline(checker: Checker, damaged: str) -> None:
    deadline, returned = WORKED[damaged]
    ref = checker.reference
    assert ref.add_working_days(date.fromisoformat(damaged), 5).isoformat() == deadline
    assert ref.working_days_between(date.fromisoformat(deadline), date.fromisoformat(returned)) == 1


@pytest.mark.parametrize("damaged", sorted(WORKED))
def test_dup01_message_gives_deadline_and_one_working_day_late(checker: Checker, damaged: str) -> None:
    deadline, returned = WORKED[damaged]
    (result,) = list(checker.check_paths([FIXTURES / f"dup-deadline-{damaged}.json"]))
    assert result.status == "non_compliant", result.error
    dup01 = [f for f in result.findings if f.rule == "DUP-01"]
    assert len(dup01) == 1, [f.rule for f in result.findings]
    message = dup01[0].message
    assert deadline in message
    assert returned in message
    assert re.search(r"(?<!\d)1 working day", message), message
    assert dup01[0].severity == "violation"
    assert "duplicate.returned_on" in dup01[0].fields
