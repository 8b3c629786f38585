"""``kpcheck explain`` and the failures of ``kpcheck rules test`` (issue 23, items 2 and 3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpcheck.cli.main import main
from kpcheck.engine import Engine, durable
from kpcheck.engine.explain import ExplainError, explain, working_days
from kpcheck.input.reader import parse_json
from kpcheck.rulebook.loader import RULES_DIR
from kpcheck.tooling.explain_render import explanation_lines

ROOT = Path(__file__).resolve().parents[1]
DUP = ROOT / "fixtures" / "submissions" / "dup-deadline-2024-03-15.json"
ENGINES = ["python"] + (["durable"] if durable.AVAILABLE else [])
# damaged Friday 15 March 2024: Sat 16, Sun 17 off; 18, 19, 20 counted; Nauryz 21-23 and Monday 25 off; 26, 27 counted
COUNTED = ["2024-03-18", "2024-03-19", "2024-03-20", "2024-03-26", "2024-03-27"]
SKIPPED = ["2024-03-16", "2024-03-17", "2024-03-21", "2024-03-22", "2024-03-23", "2024-03-24", "2024-03-25"]


def submission(path: Path = DUP, **change: object):
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.update(change)
    sub = parse_json(json.dumps(doc).encode(), str(path)).submission
    assert sub is not None
    return sub


@pytest.mark.parametrize("kind", ENGINES)
def test_dup01_explanation_lists_each_working_day_and_the_deadline(book, reference, kind):
    doc = explain(Engine(book, reference, kind), "DUP-01", submission())
    assert doc["result"] == "triggers" and doc["engine"] == kind
    deadline = next(d for d in doc["derived"] if d["name"] == "deadline")
    assert deadline["value"] == "2024-03-27" and deadline["fact"] == "working_day_deadline"
    assert [d["date"] for d in deadline["days"] if d["working"]] == COUNTED
    assert [d["count"] for d in deadline["days"] if d["working"]] == [1, 2, 3, 4, 5]
    assert [d["date"] for d in deadline["days"] if not d["working"]] == SKIPPED
    assert {d["why"] for d in deadline["days"] if d["date"] in ("2024-03-21", "2024-03-22")} == {"Nowruz Holiday"}
    assert [d["date"] for d in deadline["days"] if d.get("deadline")] == ["2024-03-27"]
    late = next(d for d in doc["derived"] if d["name"] == "late")
    assert late["value"] == 1 and [(d["date"], d.get("late")) for d in late["days"]] == [("2024-03-28", 1)]
    damage = next(a for a in deadline["args"] if a["param"] == "after")
    assert (damage["name"], damage["value"]) == ("duplicate.damaged_on", "2024-03-15")
    condition = doc["condition"]
    assert condition["holds"] and condition["op"] == "greater_than"
    assert condition["left"] == {"name": "duplicate.returned_on", "value": "2024-03-28"}
    assert condition["right"] == {"name": "deadline", "value": "2024-03-27"}
    assert all(entry["clause"]["holds"] for entry in doc["applies_when"])
    assert "deadline of 2024-03-27" in doc["message"]
    json.dumps(doc)  # plain data throughout


def test_both_evaluators_explain_alike(book, reference):
    if not durable.AVAILABLE:
        pytest.skip("durable_rules does not import here")
    docs = [explain(Engine(book, reference, kind), "DUP-01", submission()) for kind in ("python", "durable")]
    for doc in docs:
        doc.pop("engine")
    assert docs[0] == docs[1]


def test_clean_and_not_applicable_are_explained(book, reference):
    engine = Engine(book, reference, "python")
    doc = json.loads(DUP.read_text(encoding="utf-8"))
    doc["duplicate"]["returned_on"] = "2024-03-27"
    clean = explain(engine, "DUP-01", parse_json(json.dumps(doc).encode(), "x").submission)
    assert clean["result"] == "clean" and not clean["condition"]["holds"] and clean["message"] is None
    doc["direction"] = "import"
    skipped = explain(engine, "DUP-01", parse_json(json.dumps(doc).encode(), "x").submission)
    assert skipped["result"] == "not_applicable" and "exports only" in skipped["reason"]
    assert skipped["applies_when"][0]["clause"]["holds"] is False
    lines = explanation_lines(skipped)
    assert any("otherwise not applicable: applies to exports only" in line for line in lines)
    assert not any(line.startswith("Finding when") for line in lines)


def test_a_rule_out_of_force_is_explained_by_its_dates(book, reference):
    engine = Engine(book, reference, "python")
    doc = explain(engine, "DUP-01", submission(presented_on="2016-06-19"))
    assert doc["result"] == "not_applicable" and doc["in_force"]["holds"] is False and doc["applies_when"] == []
    assert "not in force on 2016-06-19" in doc["reason"]


def test_unknown_and_batch_rules_are_refused(book, reference):
    engine = Engine(book, reference, "python")
    with pytest.raises(ExplainError, match="no rule NOPE-1"):
        explain(engine, "nope-1", submission())
    with pytest.raises(ExplainError, match="batch scope"):
        explain(engine, "XREF-03", submission())


def test_working_days_walk_names_weekend_days_worked(reference):
    import datetime as dt

    walk = working_days(reference.calendar, dt.date(2024, 5, 3), dt.date(2024, 5, 6))
    saturday = next(d for d in walk if d["date"] == "2024-05-04")
    assert saturday["working"] and saturday["weekday"] == "Sat" and saturday["count"] == 1 and saturday["why"]


def test_explain_command_text_json_and_languages():
    runner = CliRunner()
    result = runner.invoke(main, ["explain", "DUP-01", str(DUP), "--engine", "python"])
    assert result.exit_code == 1, result.output  # the rule triggers
    text = result.stdout
    for day in COUNTED:
        assert day in text
    assert "2024-03-27 Wed  working day 5  ← deadline" in text
    assert "2024-03-21 Thu  — not counted (Nowruz Holiday)" in text
    assert "✓ duplicate.returned_on (2024-03-28) is after deadline (2024-03-27)" in text
    assert "datetime" not in text and "Decimal(" not in text
    as_json = runner.invoke(main, ["explain", "dup-01", str(DUP), "--engine", "python", "--format", "json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["rule"] == "DUP-01"
    ru = runner.invoke(main, ["explain", "DUP-01", str(DUP), "--engine", "python", "--lang", "ru"])
    assert "рабочий день 5" in ru.stdout and "← срок" in ru.stdout and "Производные факты" in ru.stdout
    assert "Пт" in ru.stdout or "Ср" in ru.stdout
    kk = runner.invoke(main, ["explain", "DUP-01", str(DUP), "--engine", "python"], env={"KPCHECK_LANG": "kk"})
    assert "5-жұмыс күні" in kk.stdout and "мерзім" in kk.stdout
    also = runner.invoke(main, ["rules", "explain", "DUP-01", str(DUP), "--engine", "python"])
    assert also.exit_code == 1 and also.stdout == text


def test_explain_command_errors_exit_2(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["explain", "NOPE-1", str(DUP), "--engine", "python"])
    assert result.exit_code == 2 and "no rule NOPE-1" in result.stderr and "Traceback" not in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    result = runner.invoke(main, ["explain", "DUP-01", str(broken), "--engine", "python"])
    assert result.exit_code == 2 and str(broken) in result.stderr


def test_clean_exits_0():
    doc = json.loads(DUP.read_text(encoding="utf-8"))
    result = CliRunner().invoke(main, ["explain", "COND-01", str(DUP), "--engine", "python"])
    assert result.exit_code == 0, result.output
    assert "clean (no finding)" in result.stdout and doc["certificate"]["number"]


# -- rules test ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def failing_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped rulebook with DUP-01's period shortened to 3 days: the examples at the deadline fail."""
    rules = tmp_path_factory.mktemp("failing") / "rules"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "DUP" / "DUP-01.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  days: 5\n", "  days: 3\n"), encoding="utf-8")
    return rules


def test_rules_test_prints_the_failures_with_their_explanation_then_the_summary(failing_book: Path):
    result = CliRunner().invoke(main, ["rules", "test", str(failing_book)])
    assert result.exit_code == 1
    lines = result.stdout.rstrip("\n").splitlines()
    assert "] passed" not in result.stdout  # without -v: no passed line
    failures = [i for i, line in enumerate(lines) if " FAILED " in line]
    assert failures and all(lines[i].startswith("DUP-01:clean:") for i in failures)
    summary = lines[-1]
    assert summary.endswith(f"{len(failures)} failed") and " passed, " in summary
    # every other line belongs to an explanation, indented under its failure
    assert all(line.startswith("    ") for i, line in enumerate(lines[:-1]) if i not in failures)
    block = "\n".join(lines)
    assert "damaged-2024-03-15-returned-on-deadline-2024-03-27" in block
    assert "2024-03-20 Wed  working day 3  ← deadline" in block  # three days now: the deadline moves to the 20th
    assert "2024-03-18 Mon  working day 1" in block and "not counted (Nowruz Holiday)" in block


def test_rules_test_verbose_lists_passes_first_and_failures_last(failing_book: Path):
    result = CliRunner().invoke(main, ["rules", "test", "-v", str(failing_book)])
    assert result.exit_code == 1
    lines = result.stdout.rstrip("\n").splitlines()
    passed = [i for i, line in enumerate(lines) if line.endswith("] passed")]
    failed = [i for i, line in enumerate(lines) if " FAILED " in line]
    assert passed and failed and max(passed) < min(failed)


def test_rules_test_no_explain_and_json(failing_book: Path):
    runner = CliRunner()
    bare = runner.invoke(main, ["rules", "test", "--no-explain", str(failing_book)])
    assert bare.exit_code == 1 and "working day" not in bare.stdout and " FAILED " in bare.stdout
    as_json = runner.invoke(main, ["rules", "test", "--format", "json", str(failing_book)])
    doc = json.loads(as_json.stdout)
    failed = [r for r in doc["results"] if not r["passed"]]
    assert failed and all(r["explanation"]["rule"] == "DUP-01" for r in failed)
    assert all("explanation" not in r for r in doc["results"] if r["passed"])


def test_rules_test_in_russian(failing_book: Path):
    result = CliRunner().invoke(main, ["rules", "test", "--lang", "ru", str(failing_book)])
    assert result.exit_code == 1
    assert "ПРОВАЛ" in result.stdout and "ожидалось" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("пройдено")


def test_rules_test_clean_rulebook_prints_only_the_summary():
    result = CliRunner().invoke(main, ["rules", "test"])
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines() == [result.stdout.strip().splitlines()[-1]]
    assert result.stdout.strip().endswith(" 0 failed")


# -- the desk's API --------------------------------------------------------------------------


def test_api_explain(tmp_path):
    from starlette.testclient import TestClient

    from kpcheck.api import Checker
    from kpcheck.serve.app import create_app
    from kpcheck.serve.service import CheckService
    from kpcheck.serve.settings import Settings

    service = CheckService(Checker.load(engine="python"))
    try:
        client = TestClient(create_app(service, Settings()), base_url="http://127.0.0.1")
        raw = DUP.read_bytes()
        one = client.post("/api/v1/explain?rule=DUP-01&lang=ru", content=raw)
        assert one.status_code == 200, one.text
        doc = one.json()["explanations"]["DUP-01"]
        assert doc["result"] == "triggers" and doc["title"].startswith("Повреждённый")
        every = client.post("/api/v1/explain", content=raw).json()["explanations"]
        assert "DUP-01" in every and all(d["result"] in ("triggers", "not_applicable") for d in every.values())
        assert any(d["result"] == "not_applicable" for d in every.values())
        assert client.post("/api/v1/explain?rule=NOPE-1", content=raw).status_code == 404
        assert client.post("/api/v1/explain", content=b"{").status_code == 422
    finally:
        service.close()
