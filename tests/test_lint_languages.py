"""`kpcheck rules lint --lang ru|kk` speaks Russian and Kazakh in every message kpcheck writes itself.

A rulebook planted with one of each lint code (LNT1xx, LNT2xx) and of the loader's main codes
(RUL0xx) is linted in Russian and in Kazakh: each message is in the language's script, and no
English word is left in it once its values (rule ids, field paths, names and quoted values, the
arguments of its template) are set aside. English stays as it was (tests/test_lint.py).
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from english_scan import english_words
from rulebook_factory import make_rulebook, rule_text
from test_lint import CASES, GOOD_BODY, edit, good

from kpcheck.cli.main import main
from kpcheck.tooling.lint import lint
from kpcheck.tooling.lint_render import message_in

EXTRA: dict[str, tuple[str, str]] = {  # file -> (its text, the code it plants)
    "V/V-01.yaml": (
        edit(
            good("V-01"), "  - name: clean\n    expect: clean\n", "  - name: clean\n    expect: clean\n  - name: clean\n    expect: clean\n"
        ),
        "LNT108",
    ),
    "V/V-02.yaml": (rule_text("V-02", "params:\n  days: {2016-06-20: 5, 2015-01-01: 3}\n" + GOOD_BODY), "LNT109"),
    "V/V-03.yaml": (
        rule_text(
            "V-03",
            """\
            applies_when:
              - condition: {field: territorial_department, is: present}
                reason: the department is not recorded
            condition: {field: territorial_department, equals: "Nowhere"}
            message: no department
            translations:
              ru: {title: Т, message: Т}
              kk: {title: Т, message: Т}
            examples:
              - {name: hit, base: compliant-export, change: {territorial_department: Nowhere}, expect: triggers}
              - {name: clean, base: compliant-export, expect: clean}
              - {name: absent, base: compliant-export, change: {territorial_department: null}, expect: not_applicable}
              - {name: before, change: {presented_on: 2012-11-29}, expect: not_applicable}
            """,
        ),
        "LNT110",
    ),
    "V/V-04.yaml": (
        rule_text("V-04", GOOD_BODY.replace("condition:", "let:\n  spare: {fact: counterparty_country}\ncondition:", 1)),
        "LNT203",
    ),
    "V/V-05.yaml": (rule_text("V-05", GOOD_BODY.replace("    title: Тестовое правило\n", "    draft: true\n    title: Т\n", 1)), "LNT205"),
    "V/V-06.yaml": (rule_text("V-06", "params:\n  grace: 5\n" + GOOD_BODY), "LNT207"),
    "V/V-07.yaml": (rule_text("V-07", GOOD_BODY.replace("condition:\n", "condition:\n  whatever: 1\n", 1)), "RUL013"),
    "V/V-08.yaml": (rule_text("V-08", GOOD_BODY.replace("condition:\n  field", "condition:\n  fild", 1)), "RUL011"),
    "V/V-09.yaml": (rule_text("V-09", GOOD_BODY.replace("  equals: true\n", "  is: maybe\n", 1)), "RUL014"),
    "V/V-10.yaml": (
        rule_text(
            "V-10", GOOD_BODY.replace("condition:", "let:\n  n: {fact: text_contains, with: {text: certificate.number}}\ncondition:", 1)
        ),
        "RUL022",
    ),
    "V/V-11.yaml": (
        rule_text("V-11", GOOD_BODY).replace("title: Test rule", "titel: Test rule").replace("severity: violation\n", ""),
        "RUL002",
    ),
    "V/V-12.yaml": (rule_text("V-12", "condition: {for_any: certificate.number, where: {field: x, equals: 1}}\n"), "RUL012"),
    "V/V-13.yaml": (rule_text("V-13", "condition: {all: []}\n"), "RUL010"),
    "V/V-15.yaml": (rule_text("V-15", "needs: history\n" + GOOD_BODY), "RUL002"),
    "V/V-14.yaml": (good("V-14").replace("status: active", "status: active\nreplaced_by: V-99"), "RUL006"),
}
LANGUAGES = {"ru": re.compile("[а-яА-ЯёЁ]"), "kk": re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]|[а-яА-Я]")}
QUOTED = re.compile(r"«[^»]*»|'[^']*'|\"[^\"]*\"|\{[^{}]*\}")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    directory = make_rulebook(tmp_path_factory.mktemp("lint-lang"), {})
    for name, (text, _) in CASES.items():
        (directory / name).parent.mkdir(exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
    for name, (text, _) in EXTRA.items():
        (directory / name).parent.mkdir(exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def problems(planted):
    return lint(planted)


def test_the_planted_rulebook_has_every_code(problems):
    codes = {p.code for p in problems}
    schema = {p.template for p in problems if p.code == "RUL002"}
    assert {"{path}: unknown field; did you mean '{close}'?", "{path}: Field required"} <= schema
    assert "{path}: Input should be {values} or {last}" in schema
    wanted = {code for _, expected in CASES.values() for code, _, _ in expected} | {code for _, code in EXTRA.values()}
    assert wanted <= codes, sorted(wanted - codes)
    assert {c for c in codes if c.startswith("LNT")} >= {f"LNT1{n:02d}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10)}


def _values(problems) -> set[str]:
    """Every Latin word of the problems' arguments: their data, not kpcheck's words."""
    words: set[str] = set()
    for p in problems:
        for _, value in p.args:
            words.update(re.findall(r"[A-Za-z]{2,}", value))
    return words


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_lint_speaks_the_language(planted, problems, lang):
    result = CliRunner().invoke(main, ["rules", "lint", "--rules", str(planted), "--lang", lang, "--format", "json"])
    assert result.exit_code == 1, result.output
    rows = json.loads(result.stdout)["problems"]
    own = _values(problems)
    lint_and_loader = [r for r in rows if r["code"].startswith(("LNT", "RUL"))]
    assert {r["code"] for r in lint_and_loader} == {p.code for p in problems if p.code.startswith(("LNT", "RUL"))}
    english = {p.message for p in problems}
    for row in lint_and_loader:
        message = row["message"]
        assert LANGUAGES[lang].search(message), row
        assert message not in english or not re.search("[A-Za-z]{3,}", message), row
        left = english_words(QUOTED.sub(" ", message), own | {"let", "fact", "with", "where", "params", "replaced_by", "draft", "true"})
        assert not left, (row["code"], message, left)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_lint_and_loader_template_is_translated(problems, lang):
    from kpcheck.i18n import gettext_for

    _ = gettext_for(lang)
    for p in problems:
        if p.code.startswith(("LNT", "RUL")):
            assert p.template is not None, str(p)
            assert _(p.template) != p.template, p.template
            assert message_in(p, lang) != p.message


def test_the_text_report_is_translated_too(planted):
    result = CliRunner().invoke(main, ["rules", "lint", "--rules", str(planted), "--lang", "ru"])
    assert "нет примера, в котором ожидается его срабатывание [LNT101]" in result.stdout
    assert "неизвестное поле «certificate.condition.erasure»; возможно, имелось в виду «certificate.condition.erasures»?" in result.stdout
    assert "has no example" not in result.stdout and "did you mean" not in result.stdout


def test_rules_docs_names_a_loader_error_in_kazakh(planted):
    result = CliRunner().invoke(main, ["rules", "docs", "--rules", str(planted), "--lang", "kk"])
    assert result.exit_code != 0
    assert "белгісіз өріс «certificate.condition.erasure»" in result.output
    assert "unknown field" not in result.output
