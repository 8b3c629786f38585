"""`kpcheck rules lint`: every problem of a rulebook at once, each with file, line, column and code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rulebook_factory import make_rulebook, rule_text

from kpcheck.cli.main import main
from kpcheck.rulebook.loader import RULES_DIR
from kpcheck.tooling.lint import Level, lint

GOOD_BODY = """\
condition:
  field: certificate.condition.erasures
  equals: true
message: Certificate {certificate.number} bears erasures.
translations:
  ru:
    title: Тестовое правило
    message: Сертификат {certificate.number} с подчистками.
  kk:
    title: Сынақ ережесі
    message: "{certificate.number} сертификатында өшірулер бар."
examples:
  - name: erasure
    change: {certificate.condition.erasures: true}
    expect: triggers
  - name: clean
    expect: clean
  - name: before
    change: {presented_on: 2012-11-29, certificate.condition.erasures: true}
    expect: not_applicable
"""

RETIRED_EXAMPLES = """\
  - name: erasure
    change: {presented_on: 2015-03-02, certificate.condition.erasures: true}
    expect: triggers
  - name: clean
    change: {presented_on: 2015-03-02}
    expect: clean
  - name: before
    change: {presented_on: 2012-11-29, certificate.condition.erasures: true}
    expect: not_applicable
  - name: after
    change: {certificate.condition.erasures: true}
    expect: not_applicable
"""


def good(rule_id: str) -> str:
    return rule_text(rule_id, GOOD_BODY)


def retired(rule_id: str, replaced_by: str | None) -> str:
    text = good(rule_id).replace("status: active", "status: retired" + (f"\nreplaced_by: {replaced_by}" if replaced_by else ""))
    text = text.replace("  from: 2012-11-30\n", "  from: 2012-11-30\n  to: 2019-12-31\n")
    return text.split("examples:\n")[0] + "examples:\n" + RETIRED_EXAMPLES


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


CONDITION = "condition:\n  field: certificate.condition.erasures\n  equals: true\n"
TRIGGERING = "  - name: erasure\n    change: {certificate.condition.erasures: true}\n    expect: triggers\n"

# file -> (its text, [(code, the text its location points at, a phrase of its message)])
CASES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "T/T-01.yaml": (good("T-01"), []),
    "T/T-02.yaml": (edit(good("T-02"), "severity: violation", "severity: fatal"), [("RUL002", "fatal", "severity: Input should be")]),
    "T/T-03.yaml": (
        edit(good("T-03"), "field: certificate.condition.erasures\n", "field: certificate.condition.erasure\n"),
        [
            (
                "RUL017",
                "certificate.condition.erasure\n",
                "unknown field 'certificate.condition.erasure'; did you mean 'certificate.condition.erasures'",
            )
        ],
    ),
    "T/T-04.yaml": (
        edit(good("T-04"), CONDITION, "let:\n  flag: {fact: text_contain, with: {}}\n" + CONDITION),
        [("RUL021", "flag: {fact", "unknown derived fact 'text_contain'; did you mean 'text_contains'")],
    ),
    "T/T-05.yaml": (
        edit(good("T-05"), "  equals: true\nmessage", "  equal: true\nmessage"),
        [("RUL013", "equal: true", "unknown operator 'equal'; did you mean 'equals'")],
    ),
    "T/T-06.yaml": (
        edit(good("T-06"), CONDITION, "condition: {field: certificate.issued_on, greater_than: 5}\n"),
        [("RUL016", "5}", "'certificate.issued_on' is a date and is compared with the number 5: write the date as YYYY-MM-DD")],
    ),
    "T/T-07.yaml": (
        edit(good("T-07"), "message: Certificate {certificate.number}", "message: Due {deadline}"),
        [("RUL030", "message: Due", "message names unknown fact '{deadline}'")],
    ),
    "T/T-08.yaml": (good("T-80"), [("RUL003", "id:", "rule id 'T-80' does not match the file name 'T-08.yaml'")]),
    "T/T-09.yaml": (good("T-09"), []),
    "U/T-09.yaml": (good("T-09"), [("RUL005", "T-09\n", "duplicate rule id T-09")]),
    "T/T-10.yaml": (retired("T-10", "T-01"), []),
    "U/T-10.yaml": (good("T-10"), [("LNT106", "T-10\n", "rule id T-10 is retired")]),
    "T/T-11.yaml": (edit(good("T-11"), TRIGGERING, ""), [("LNT101", "examples:", "has no example that expects it to trigger")]),
    "T/T-12.yaml": (
        edit(good("T-12"), "  - name: clean\n    expect: clean\n", ""),
        [("LNT102", "examples:", "has no example that expects it to stay clean")],
    ),
    "T/T-13.yaml": (
        edit(
            good("T-13"),
            "  - name: clean\n    expect: clean\n",
            "  - name: clean\n    expect: clean\n  - name: wrong\n    change: {certificate.condition.erasures: true}\n    expect: clean\n",
        ),
        [("LNT103", "name: wrong", "example 'wrong' of T-13 expects clean but gives triggers (python)")],
    ),
    "T/T-14.yaml": (
        edit(good("T-14"), "  equals: true\nmessage", "  equals: false\nmessage").replace(
            "  - name: clean\n    expect: clean\n",
            "  - name: clean\n    change: {certificate.condition.erasures: null}\n    expect: clean\n",
        ),
        [
            ("LNT104", "condition:", "the condition of T-14 triggers on none of its 3 examples"),
            ("LNT103", "name: erasure", "example 'erasure' of T-14 expects triggers but gives clean"),
        ],
    ),
    "T/T-15.yaml": (retired("T-15", None), [("RUL006", "retired", "retired rule T-15 has no replaced_by")]),
    "T/T-16.yaml": (
        good("T-16").split("  - name: before")[0],
        [("LNT105", "2012-11-30", "rule T-16 has no example presented before 2012-11-30")],
    ),
    "T/T-17.yaml": (
        edit(good("T-17"), "provision: Art. 1", "provision: to be confirmed"),
        [("LNT201", "to be confirmed", "the provision of Test act is to be confirmed")],
    ),
    "T/T-18.yaml": (
        re.sub(r"translations:\n(  .*\n)+", "", good("T-18")),
        [("LNT202", "id:", "rule T-18 has no Russian text"), ("LNT206", "id:", "rule T-18 has no Kazakh title and message")],
    ),
}


def where(text: str, needle: str) -> tuple[int, int]:
    """The 1-based line and column where ``needle`` first starts in ``text``."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


@pytest.fixture(scope="module")
def bad_book(tmp_path_factory):
    directory = make_rulebook(tmp_path_factory.mktemp("lint"), {})
    for name, (text, _) in CASES.items():
        (directory / name).parent.mkdir(exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def bad_problems(bad_book):
    return lint(bad_book)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_kind_of_problem_names_file_line_column_and_code(bad_book, bad_problems, name):
    text, expected = CASES[name]
    path = str(bad_book / name)
    got = [p for p in bad_problems if p.location.file == path]
    assert sorted(p.code for p in got) == sorted(code for code, _, _ in expected), [str(p) for p in got]
    for code, needle, phrase in expected:
        (problem,) = [p for p in got if p.code == code]
        line, column = where(text, needle)
        assert (problem.location.line, problem.location.column) == (line, column), str(problem)
        assert phrase in problem.message, str(problem)
        assert str(problem) == f"{path}:{line}:{column}: {problem.level.value}: {problem.message} [{code}]"


def test_warnings_are_warnings_and_errors_errors(bad_problems):
    levels = {p.code: p.level for p in bad_problems}
    assert levels["LNT201"] is levels["LNT202"] is Level.WARNING
    assert all(level is Level.ERROR for code, level in levels.items() if not code.startswith("LNT2"))


def test_cli_prints_every_problem_sorted_and_exits_1(bad_book, bad_problems):
    result = CliRunner().invoke(main, ["rules", "lint", "-v", str(bad_book)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[:-1] == [str(p) for p in bad_problems]
    errors = sum(p.level is Level.ERROR for p in bad_problems)
    assert lines[-1] == f"{errors} errors, {len(bad_problems) - errors} warnings"
    keys = [(p.location.file, p.location.line) for p in bad_problems]
    assert keys == sorted(keys)


def test_every_schema_error_of_a_file_is_reported(tmp_path):
    text = edit(edit(good("T-01"), "severity: violation", "severity: fatal"), "status: active", "status: gone")
    directory = make_rulebook(tmp_path, {"T-01": text})
    codes = [(p.code, p.location.line) for p in lint(directory)]
    assert ("RUL002", 3) in codes and ("RUL002", 4) in codes


def test_reference_data_that_does_not_load(tmp_path):
    directory = make_rulebook(tmp_path, {"T-01": good("T-01")})
    eaeu = directory / "reference" / "eaeu.yaml"
    text = eaeu.read_text(encoding="utf-8")
    eaeu.write_text(edit(text, "KG: {from: 2015-08-12}", "KG: {from: 2015-08-12, to: 2014-01-01}"), encoding="utf-8")
    problems = lint(directory)
    assert [p.code for p in problems] == ["REF001"], [str(p) for p in problems]
    (problem,) = problems
    assert problem.location.file == str(eaeu) and problem.location.line == where(eaeu.read_text(), "KG:")[0]
    result = CliRunner().invoke(main, ["rules", "lint", str(directory)])
    assert result.exit_code == 1 and "[REF001]" in result.stdout


def test_warnings_alone_exit_0(tmp_path):
    directory = make_rulebook(tmp_path, {"T-17": CASES["T/T-17.yaml"][0]})
    result = CliRunner().invoke(main, ["rules", "lint", "--verbose", str(directory)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "0 errors, 1 warning"
    assert ": warning: the provision of Test act is to be confirmed [LNT201]" in result.stdout


def test_not_a_rulebook_folder_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["rules", "lint", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a rulebook folder" in result.stderr


def test_a_retired_rule_is_linted_as_it_was_in_force(tmp_path):
    directory = make_rulebook(tmp_path, {"T-01": good("T-01"), "T-02": retired("T-02", "T-01")})
    assert [str(p) for p in lint(directory)] == []


def test_shipped_rulebook_is_clean():
    result = CliRunner().invoke(main, ["rules", "lint"])
    assert result.exit_code == 0, result.stdout[-3000:]
    assert result.stdout.splitlines()[-1].startswith("0 errors, ")
    assert all(" warning: " in line for line in result.stdout.splitlines()[:-1])


def test_lint_does_not_touch_the_folder(tmp_path):
    directory = tmp_path / "rules"
    shutil.copytree(RULES_DIR, directory)
    before = sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))
    assert not [p for p in lint(directory) if p.level is Level.ERROR]
    assert sorted(str(p.relative_to(directory)) for p in Path(directory).rglob("*")) == before


def test_a_let_never_read_is_a_warning(tmp_path):
    body = GOOD_BODY.replace("condition:", "let:\n  spare: {fact: counterparty_country}\ncondition:", 1)
    book = make_rulebook(tmp_path, {"T-01": rule_text("T-01", body)})
    (problem,) = [p for p in lint(book) if p.code == "LNT203"]
    assert problem.level is Level.WARNING
    assert str(problem.location) == f"{book / 'T' / 'T-01.yaml'}:11:3"
    assert "spare" in problem.message


def test_every_condition_and_message_error_of_a_file_in_one_run(tmp_path):
    text = edit(good("T-01"), "field: certificate.condition.erasures\n  equals", "field: certificate.condition.erasure\n  equals")
    text = edit(text, "message: Certificate {certificate.number}", "message: Certificate {certificate.numbr}")
    directory = make_rulebook(tmp_path, {"T-01": text})
    codes = sorted(p.code for p in lint(directory) if p.level is Level.ERROR)
    assert codes == ["RUL017", "RUL030"], [str(p) for p in lint(directory)]


def test_a_schema_error_does_not_hide_a_condition_error(tmp_path):
    text = edit(good("T-01"), "severity: violation", "severity: fatal")
    text = edit(text, "field: certificate.condition.erasures\n  equals", "field: certificate.condition.erasure\n  equals")
    directory = make_rulebook(tmp_path, {"T-01": text})
    assert sorted(p.code for p in lint(directory) if p.level is Level.ERROR) == ["RUL002", "RUL017"]
