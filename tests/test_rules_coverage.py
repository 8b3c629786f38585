"""`kpcheck rules test`: text, JSON and JUnit reports, and coverage by legal act and provision."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from conftest import kpcheck
from rulebook_factory import make_rulebook
from test_lint import edit, good, retired

from kpcheck.engine import durable
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook
from kpcheck.tooling.coverage import coverage, run_examples

ENGINES = 2 if durable.AVAILABLE else 1


def rules_test(*args: str):
    """``kpcheck rules test ARGS...`` on a wide terminal."""
    return kpcheck("rules", "test", *args, env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def shipped_json():
    result = rules_test("--format", "json", "--coverage")
    assert result.exit_code == 0, result.stdout[-3000:]
    return json.loads(result.stdout)


def test_shipped_coverage_names_every_provision_cited_and_its_rules(shipped_json):
    book = load_rulebook(RULES_DIR)
    cover = shipped_json["coverage"]
    cited = {(b.act.strip(), b.provision.strip()): set() for r in book.rules for b in r.spec.legal_basis}
    for rule in book.rules:
        for b in rule.spec.legal_basis:
            cited[(b.act.strip(), b.provision.strip())].add(rule.id)
    assert {(p["act"], p["provision"]): {r["rule"] for r in p["rules"]} for p in cover["provisions"]} == cited
    for provision in cover["provisions"]:
        assert provision["confirmed"] == (provision["provision"].lower() != "to be confirmed")
        for rule in provision["rules"]:
            assert rule["passed"] and rule["triggers_passed"] and rule["clean_passed"], rule
            assert rule["before_in_force"] and rule["in_force"], rule
    assert cover["rules_missing_examples"] == []


def test_shipped_results_as_json(shipped_json):
    summary = shipped_json["summary"]
    assert summary["failed"] == 0 and summary["passed"] == summary["results"] == len(shipped_json["results"])
    first = shipped_json["results"][0]
    assert set(first) == {"id", "rule", "example", "engine", "expected", "actual", "passed", "detail"}
    assert first["id"] == f"{first['rule']}:{first['expected']}:{first['example']}"


def test_shipped_coverage_as_text():
    result = rules_test("--coverage")
    assert result.exit_code == 0, result.stdout[-3000:]
    for text in (
        "Government Resolution No 356 of 20.06.2016",
        "TO BE CONFIRMED",
        "COND-01",
        "Before",
        "Every rule has an example on each side of its dates in force.",
        " 0 failed",
    ):
        assert text in result.stdout, text


def test_shipped_results_as_junit(tmp_path):
    out = tmp_path / "rules.xml"
    result = rules_test("--format", "junit", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    suite = ET.parse(out).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) > 0 and suite.get("failures") == "0"
    assert cases[0].get("name").endswith("[python]") and cases[0].get("classname").startswith("rules.")


@pytest.fixture(scope="module")
def weak_book(tmp_path_factory):
    """T-01 without an example before its entry into force; T-02 with an example that fails; T-03 retired."""
    wrong = "  - name: clean\n    expect: clean\n  - name: wrong\n    change: {certificate.condition.erasures: true}\n    expect: clean\n"
    retired_rule = retired("T-03", "T-02").split("  - name: after")[0]
    return make_rulebook(
        tmp_path_factory.mktemp("weak"),
        {
            "T-01": good("T-01").split("  - name: before")[0],
            "T-02": edit(good("T-02"), "  - name: clean\n    expect: clean\n", wrong),
            "T-03": retired_rule,
        },
    )


def test_coverage_lists_rules_missing_an_example_on_a_side(weak_book):
    book = load_rulebook(weak_book)
    cover = coverage(book, run_examples(book))
    assert [(c.rule, c.missing) for c in cover.missing_sides] == [("T-01", ("before 2012-11-30",)), ("T-03", ("after 2019-12-31",))]
    t02 = cover.rules["T-02"]
    assert not t02.passed and t02.failed == ("wrong",) and t02.triggers_passed and t02.clean_passed
    assert cover.rules["T-03"].passed and cover.rules["T-03"].status == "retired"
    (provision,) = cover.provisions
    assert (provision.act, provision.provision) == ("Test act", "Art. 1")
    assert [c.rule for c in provision.rules] == ["T-01", "T-02", "T-03"]


def test_failing_example_exits_1_in_every_format(weak_book, tmp_path):
    text = rules_test(str(weak_book), "--coverage")
    assert text.exit_code == 1
    assert "T-02:clean:wrong [python] FAILED (expected clean, got triggers)" in text.stdout
    assert "T-01: no example presented before 2012-11-30" in text.stdout
    assert "T-03: no example presented after 2019-12-31" in text.stdout
    as_json = rules_test(str(weak_book), "--format", "json", "--coverage")
    assert as_json.exit_code == 1
    doc = json.loads(as_json.stdout)
    assert doc["summary"]["failed"] == ENGINES
    assert doc["coverage"]["rules_missing_examples"] == [
        {"rule": "T-01", "missing": ["before 2012-11-30"]},
        {"rule": "T-03", "missing": ["after 2019-12-31"]},
    ]
    junit = rules_test(str(weak_book), "--format", "junit", "--coverage")
    assert junit.exit_code == 1
    suite = ET.fromstring(junit.stdout).find("testsuite")
    failures = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    assert suite.get("failures") == str(ENGINES) == str(len(failures))
    assert failures[0].find("failure").get("message") == "expected clean, got triggers"
    assert "T-01: no example presented before 2012-11-30" in suite.find("system-out").text


def test_rulebook_that_does_not_load_exits_1(tmp_path):
    directory = make_rulebook(tmp_path, {"T-01": good("T-01").replace("severity: violation", "severity: fatal")})
    result = rules_test(str(directory), "--format", "json")
    assert result.exit_code == 1
    assert "RUL002" in result.stderr


def test_unknown_format_is_a_usage_error():
    assert rules_test("--format", "pdf").exit_code == 2


def test_compute_and_render_are_apart():
    """One rendering pattern: tooling's computing modules render nothing, their *_render beside them do."""
    import ast
    import io
    from pathlib import Path

    from rich.console import Console

    from kpcheck.tooling import coverage as coverage_module
    from kpcheck.tooling import impact
    from kpcheck.tooling.examples_render import print_results

    for module in (coverage_module, impact):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in imported if m and (m.startswith("rich") or m.startswith("kpcheck.report"))}, module
    book = load_rulebook(RULES_DIR)
    run_ = run_examples(book)
    stream = io.StringIO()
    print_results(Console(file=stream, width=200, no_color=True), run_, coverage(book, run_), passed=False)
    text = stream.getvalue()
    assert "] passed" not in text
    assert "Every rule has an example on each side of its dates in force." in text
    assert text.rstrip().endswith(f"{len(run_.results)} passed, 0 failed")
