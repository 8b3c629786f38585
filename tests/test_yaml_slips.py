"""Plain errors for the YAML slips of a rule file, with line, column and hint, in en and ru;
``rules lint --format json|sarif`` and ``--lang`` (issue 23, items 4 and 5)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpcheck.cli.main import main
from kpcheck.problems import CATALOGUE
from kpcheck.rulebook.loader import RULES_DIR
from kpcheck.tooling.lint import lint

ORIGINAL = (RULES_DIR / "FORM" / "FORM-01.yaml").read_text(encoding="utf-8")
CONDITION = "condition:\n  not: {field: titled, equals: true}"
TITLE = 'title: Title does not read "Kimberley Process Certificate"'

# name -> (the slip, the line and column of the error, words of the English hint, words of the Russian one)
SLIPS = {
    "thousands-flow": (
        ORIGINAL.replace(CONDITION, "condition:\n  {field: certificate.total_value_usd, at_least: 1,000,000}"),
        "1,000,000",
        "write it without them: 1000000",
        "пишите его без них: 1000000",
    ),
    "thousands-block": (
        ORIGINAL.replace(CONDITION, "condition:\n  field: certificate.total_value_usd\n  at_least: 1,000,000"),
        "1,000,000",
        "written with thousands separators",
        "с разделителями тысяч",
    ),
    "colon-in-text": (
        ORIGINAL.replace(TITLE, "title: Title: does not read the words"),
        ": does not",
        'put in quotes: title: "Title: does not read the words"',
        "заключить в кавычки",
    ),
    "three-space-indent": (
        ORIGINAL.replace("legal_basis:\n  - act", "legal_basis:\n   - act").replace("    provision: Annex I", "    provision: Annex I"),
        "    provision: Annex I",
        "the indentation does not line up",
        "отступы не выровнены",
    ),
    "tab": (
        ORIGINAL.replace("in_force:\n  from", "in_force:\n\tfrom"),
        "\tfrom",
        "replace the tab with spaces",
        "замените табуляцию пробелами",
    ),
    "date-compared-with-number": (
        ORIGINAL.replace(CONDITION, "condition:\n  {field: certificate.issued_on, greater_than: 20240101}"),
        "20240101",
        "write the date as YYYY-MM-DD, for example 2024-01-01",
        "запишите дату в виде ГГГГ-ММ-ДД, например 2024-01-01",
    ),
    "number-compared-with-date": (
        ORIGINAL.replace(CONDITION, "condition:\n  {field: certificate.total_value_usd, greater_than: 2024-01-01}"),
        "2024-01-01}",
        "is compared with the date 2024-01-01",
        "сравнивается с датой 2024-01-01",
    ),
    "duplicate-key": (
        ORIGINAL.replace("severity: violation", "severity: violation\nseverity: warning"),
        "severity: warning",
        "the key 'severity' is given twice (first on line 3)",
        "ключ «severity» указан дважды (впервые в строке 3)",
    ),
}


def place(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of ``needle`` in ``text``."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name, (text, *_rest) in SLIPS.items():
        assert text != ORIGINAL, name
        rules = tmp_path_factory.mktemp(name) / "rules"
        shutil.copytree(RULES_DIR, rules)
        (rules / "FORM" / "FORM-01.yaml").write_text(text, encoding="utf-8")
        out[name] = rules
    return out


@pytest.mark.parametrize("name", sorted(SLIPS))
def test_each_slip_has_its_place_and_a_hint_in_english_and_russian(books: dict[str, Path], name: str) -> None:
    text, needle, english, russian = SLIPS[name]
    rules = books[name]
    file = rules / "FORM" / "FORM-01.yaml"
    line, column = place(text, needle)
    if name == "three-space-indent":
        column = 5  # the first character of the line out of step
    if name == "tab":
        column = 1
    runner = CliRunner()
    en = runner.invoke(main, ["rules", "lint", str(rules)])
    assert en.exit_code == 1
    (said,) = [x for x in en.stdout.splitlines() if x.startswith(str(file))]
    assert said.startswith(f"{file}:{line}:{column}: error: "), said
    assert english in said
    for raw in ("datetime", "Decimal(", "<block", "found duplicate key", "mapping values are not allowed", "cannot start any token"):
        assert raw not in said, said
    ru = runner.invoke(main, ["rules", "lint", "--lang", "ru", str(rules)])
    assert ru.exit_code == 1
    (said_ru,) = [x for x in ru.stdout.splitlines() if x.startswith(str(file))]
    assert said_ru.startswith(f"{file}:{line}:{column}: ошибка: ") and russian in said_ru, said_ru
    assert ru.stdout.rstrip().splitlines()[-1].startswith("ошибок: 1, предупреждений:")
    if name == "tab":  # Kazakh through the environment, as every option
        kk = runner.invoke(main, ["rules", "lint", str(rules)], env={"KPCHECK_LANG": "kk"})
        assert f"{file}:{line}:{column}: қате: " in kk.stdout and "табуляция" in kk.stdout


def test_load_errors_carry_the_hint_too(books: dict[str, Path]) -> None:
    result = CliRunner().invoke(
        main, ["check", "--rules", str(books["thousands-flow"]), str(RULES_DIR / "bases" / "compliant-export.json")]
    )
    assert result.exit_code == 2
    assert "write it without them: 1000000" in result.stderr


def test_lint_json(books: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["rules", "lint", "--format", "json", "--lang", "ru", str(books["tab"])])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    errors = [p for p in doc["problems"] if p["level"] == "error"]
    assert doc["summary"]["errors"] == len(errors) == 1
    (tab,) = errors
    assert tab["code"] == "RUL001" and tab["line"] and tab["column"] == 1 and "табуляц" in tab["message"]
    assert all({"file", "line", "column", "level", "code", "message"} <= set(p) for p in doc["problems"])


def _sarif_is_valid(log: dict) -> None:
    """The structure SARIF 2.1.0 requires of a log, its run, tool, rules and results (the
    official schema is not available offline: its required properties, checked one by one)."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(log["runs"], list) and log["runs"]
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        rules = driver["rules"]
        assert isinstance(rules, list)
        ids = [r["id"] for r in rules]
        assert len(ids) == len(set(ids))
        for rule in rules:
            assert isinstance(rule["id"], str) and rule["shortDescription"]["text"]
            assert rule["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
        assert isinstance(run["results"], list)
        for result in run["results"]:
            assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
            assert result["level"] in ("none", "note", "warning", "error")
            assert isinstance(result["message"]["text"], str) and result["message"]["text"]
            for location in result["locations"]:
                physical = location["physicalLocation"]
                assert isinstance(physical["artifactLocation"]["uri"], str) and physical["artifactLocation"]["uri"]
                region = physical["region"]
                assert isinstance(region["startLine"], int) and region["startLine"] >= 1
                assert isinstance(region.get("startColumn", 1), int) and region.get("startColumn", 1) >= 1


def test_lint_sarif_is_valid_sarif_2_1_0(books: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "lint.sarif"
    result = CliRunner().invoke(main, ["rules", "lint", "-v", "--format", "sarif", "-o", str(out), str(books["duplicate-key"])])
    assert result.exit_code == 1
    log = json.loads(out.read_text(encoding="utf-8"))
    _sarif_is_valid(log)
    results = log["runs"][0]["results"]
    dup = [r for r in results if r["ruleId"] == "RUL001"]
    assert len(dup) == 1 and dup[0]["level"] == "error" and "given twice" in dup[0]["message"]["text"]
    region = dup[0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (4, 1)
    assert dup[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("FORM/FORM-01.yaml")
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        assert rule["shortDescription"]["text"] == CATALOGUE[rule["id"]].summary


def test_a_clean_rulebook_gives_an_empty_valid_sarif_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "lint", "--format", "sarif", "--select", "RUL"])
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    _sarif_is_valid(log)
    assert log["runs"][0]["results"] == []


def test_the_sarif_check_can_fail() -> None:
    """The structural check refuses a log that lacks what SARIF requires."""
    with pytest.raises((AssertionError, KeyError)):
        _sarif_is_valid({"version": "2.1.0", "$schema": "x/sarif-2.1.0.json", "runs": [{"tool": {"driver": {"rules": []}}, "results": []}]})


def test_summarised_warnings_in_russian() -> None:
    problems = lint(RULES_DIR)
    assert problems
    result = CliRunner().invoke(main, ["rules", "lint", "--lang", "ru"])
    assert result.exit_code == 0
    assert "переводов-черновиков, ожидающих проверки юристами" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("ошибок: 0, предупреждений:")


def test_impact_and_docs_speak_russian(tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    manifest = copy / "rulebook.yaml"  # an amendment that changes no finding: a new version only
    manifest.write_text(manifest.read_text(encoding="utf-8") + "# amended\n", encoding="utf-8")
    fixture = RULES_DIR.parent / "fixtures" / "impact"
    result = CliRunner().invoke(
        main, ["rules", "impact", "--new", str(copy), "--engine", "python", "-j", "1", "--lang", "ru", str(fixture)]
    )
    assert result.exit_code == 0, result.output
    assert "перепроверено заявок:" in result.stdout and "Поправка не меняет ни одной заявки" in result.stdout
    docs = CliRunner().invoke(main, ["rules", "docs", "--lang", "kk"])
    assert docs.exit_code == 0 and "`kpcheck rules docs`" in docs.stdout and "gen_rulebook_docs" not in docs.stdout
