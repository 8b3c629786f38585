"""The fixtures' reports match the committed goldens, on both engines and with one or two jobs."""

from __future__ import annotations

import pytest
from conftest import ENGINE_KINDS, ROOT

from tools import gen_golden_reports as gen


@pytest.mark.parametrize("engine,jobs", [(k, 1) for k in ENGINE_KINDS] + [("python", 2)])
def test_reports_match_goldens(engine, jobs, monkeypatch):
    monkeypatch.chdir(ROOT)
    reports = gen.goldens(engine, jobs)
    assert len(reports) > 30
    for path, report in reports.items():
        assert path.is_file(), f"{path} missing: run tools/gen_golden_reports.py"
        assert path.read_text(encoding="utf-8") == gen.text(report), (
            f"{path.name} drifted: review the change, then run tools/gen_golden_reports.py"
        )


def test_many_rules_broken_at_once_are_all_reported():
    import json

    report = json.loads((ROOT / "fixtures" / "expected" / "check" / "form-many.json").read_text())
    rules = [v["rule"] for v in report["results"][0]["violations"]]
    assert len(rules) >= 6 and rules == sorted(rules)


def test_same_findings_alone_and_among_others():
    import json

    audit = json.loads((ROOT / "fixtures" / "expected" / "audit.json").read_text())
    alone = json.loads((ROOT / "fixtures" / "expected" / "check" / "form-many.json").read_text())["results"][0]
    (among,) = [r for r in audit["results"] if r["source"].endswith("form-many.json")]
    assert among["violations"] == alone["violations"]
