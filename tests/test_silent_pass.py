"""Never a silent pass (rulebook 1.1): the issue's cases each get their finding or status error,
every rule's "not applicable" on an absent value names who reports it (in every language), the
docs' table holds every rule, and lint refuses a rule that would pass silently (LNT110)."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from conftest import ROOT, base
from rulebook_factory import rule_text

from kpcheck.api import Checker
from kpcheck.cli.main import main
from kpcheck.i18n import translations
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook
from kpcheck.tooling.lint import lint
from kpcheck.tooling.silent import silent_passes


@pytest.fixture(scope="module")
def checker():
    return Checker.load(engine="python")


def rules_of(result):
    return [f.rule for f in result.findings]


def test_an_empty_act_is_ctrl_01(checker):
    doc = base()
    doc["state_control_act"] = {}
    result = checker.check_data(doc)
    assert "CTRL-01" in rules_of(result) and result.status == "non_compliant"
    assert not any(n.rule == "CTRL-01" for n in result.not_applicable)


@pytest.mark.parametrize("missing", ["number", "issued_on", "controller_id"])
def test_an_act_lacking_what_identifies_it_is_ctrl_01(checker, missing):
    doc = base()
    doc["state_control_act"][missing] = None if missing == "issued_on" else " "
    assert "CTRL-01" in rules_of(checker.check_data(doc))


@pytest.mark.parametrize("office", [None, "", "   "])
def test_a_blank_customs_office_is_ctrl_04(checker, office):
    doc = base()
    doc["customs"]["office"] = office
    result = checker.check_data(doc)
    (finding,) = [f for f in result.findings if f.rule == "CTRL-04"]
    assert "customs.office" in finding.fields


def test_the_issue_cases_are_never_compliant(checker):
    """Each case of issue 21, which once gave COMPLIANT with no finding."""
    cases = {
        "empty act": ("state_control_act", {}),
        "blank office": ("customs.office", " "),
        "blank number": ("certificate.number", ""),
        "blank issuing country": ("certificate.issuing_country", ""),
        "schema_version true": ("schema_version", True),
        "schema_version 1.0": ("schema_version", 1.0),
    }
    for name, (path, value) in cases.items():
        doc = base()
        node = doc
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
        result = checker.check_data(json.dumps(doc))
        assert result.status != "compliant", name
        if result.status == "error":
            assert result.error["location"] == f"<data>: {path}", name


def test_the_shipped_rulebook_has_no_silent_pass():
    assert silent_passes(load_rulebook(RULES_DIR)) == []


def test_lint_refuses_a_planted_silent_pass(tmp_path):
    """A rule not applicable when territorial_department is absent, which no rule reports."""
    directory = tmp_path / "rules"
    shutil.copytree(RULES_DIR, directory)
    planted = rule_text(
        "FORM-90",
        """\
        applies_when:
          - condition: {field: territorial_department, is: present}
            reason: the department is not recorded
        condition: {field: territorial_department, equals: "Nowhere"}
        examples:
          - {name: hit, base: compliant-export, change: {territorial_department: Nowhere}, expect: triggers}
          - {name: clean, base: compliant-export, expect: clean}
          - {name: absent, base: compliant-export, change: {territorial_department: null}, expect: not_applicable}
        """,
    )
    (directory / "FORM" / "FORM-90.yaml").write_text(planted, encoding="utf-8")
    found = [p for p in lint(directory) if p.code == "LNT110"]
    assert len(found) == 1
    assert found[0].rule == "FORM-90" and "territorial_department" in found[0].message
    assert str(found[0].location).startswith(f"{directory / 'FORM' / 'FORM-90.yaml'}:")
    result = CliRunner().invoke(main, ["rules", "lint", "--rules", str(directory)])
    assert result.exit_code == 1 and "[LNT110]" in result.stdout
    # a rule reporting the department's absence makes it no silent pass
    reporter = rule_text("FORM-91", "condition: {field: territorial_department, is: absent}\n")
    (directory / "FORM" / "FORM-91.yaml").write_text(reporter, encoding="utf-8")
    assert silent_passes(load_rulebook(directory)) == []


def test_the_shipped_rulebook_lints_without_lnt110():
    assert [p for p in lint(RULES_DIR) if p.code == "LNT110"] == []


RULE_ID = re.compile(r"\b(?:COND|FORM|TRADE|CTRL|COUP|DUP|EAEU|XREF)-\d\d\b")
SCOPE = re.compile(
    r"applies to (imports|exports) only|no customs declaration|no duplicate request|intra-EAEU|not a duplicate request"
    r"|was not recorded|were not recorded|the origin is mixed|issued by Kazakhstan only|gives no total|calendar"
)


def test_every_reason_on_an_absent_value_names_who_reports_it():
    """A reason that is not one of scope (direction, optional block, EAEU, a boolean not recorded,
    the calendar's reach) names the rule that reports the absent value."""
    book = load_rulebook(RULES_DIR)
    for rule in book.rules:
        for _, reason in rule.applies:
            if not SCOPE.search(reason):
                assert RULE_ID.search(reason), (rule.id, reason)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_reason_is_translated(lang):
    book = load_rulebook(RULES_DIR)
    catalogue = translations(lang)
    for rule in book.rules:
        for _, reason in rule.applies:
            text = " ".join(reason.split())
            translated = catalogue.gettext(text)
            assert translated != text, (lang, rule.id, text)
            assert set(RULE_ID.findall(text)) == set(RULE_ID.findall(translated)), (lang, rule.id)


def test_the_docs_table_holds_every_rule():
    table = (ROOT / "docs" / "silent-pass.md").read_text(encoding="utf-8")
    rows = {m.group(1) for m in re.finditer(r"^\| (\w+-\d\d) \|", table, re.M)}
    assert rows == {r.id for r in load_rulebook(RULES_DIR).rules}
    assert len(rows) == 47
