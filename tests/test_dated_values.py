"""Parameters and texts by date (issue 23, item 1): a value that changes on a date is read on the
rule's reference date, by both evaluators alike; lint checks the days; the rulebook document
shows each value with its dates; ``rules impact`` reports per period."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpcheck.api import Checker
from kpcheck.cli.main import main as cli
from kpcheck.engine import Engine, durable
from kpcheck.reference.queries import load_reference
from kpcheck.rulebook.dated import Dated, is_dated
from kpcheck.rulebook.loader import RULES_DIR, RuleError, collect_rulebook, load_rulebook
from kpcheck.tooling.docs import render
from kpcheck.tooling.impact import amendment_days, impact, period_labels
from kpcheck.tooling.lint import lint
from tests.rulebook_factory import make_rulebook, rule_text

ENGINES = ["python"] + (["durable"] if durable.AVAILABLE else [])
BASE = json.loads((RULES_DIR / "bases" / "compliant-export.json").read_text(encoding="utf-8"))


def amended(tmp_path: Path) -> Path:
    """A copy of the shipped rulebook whose DUP-01 gives 5 working days until 2026-12-31, 3 from 2027-01-01."""
    rules = tmp_path / "amended"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "DUP" / "DUP-01.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  days: 5\n" in text and "reference_date: duplicate.damaged_on" in text
    path.write_text(text.replace("  days: 5\n", "  days: {2016-06-20: 5, 2027-01-01: 3}\n"), encoding="utf-8")
    return rules


def duplicate(damaged: str, returned: str, presented: str, number: str = "KZ005000") -> dict:
    doc = json.loads(json.dumps(BASE))
    doc["presented_on"] = presented
    doc["certificate"]["number"] = number
    doc["duplicate"] = {"original_number": "KZ000122", "damaged_on": damaged, "returned_on": returned}
    return doc


@pytest.fixture(scope="module")
def amended_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return amended(tmp_path_factory.mktemp("dated"))


@pytest.mark.parametrize("kind", ENGINES)
def test_a_2026_damage_gets_five_working_days_and_a_2027_one_three(amended_dir: Path, kind: str) -> None:
    book, reference = load_rulebook(amended_dir), load_reference(amended_dir)
    engine = Engine(book, reference, kind)
    # 21 Dec 2026 + 5 working days = 28 Dec 2026; returned on the 28th: clean under five days
    late_2026 = duplicate("2026-12-21", "2026-12-29", "2027-01-11")
    deadline_2026 = reference.add_working_days(date(2026, 12, 21), 5)
    assert deadline_2026 == date(2026, 12, 28)
    from kpcheck.input.reader import parse_json

    def finding(doc: dict) -> str | None:
        sub = parse_json(json.dumps(doc).encode(), "<t>").submission
        assert sub is not None
        hits = [f for f in engine.evaluate(sub).findings if f.rule == "DUP-01"]
        return hits[0].message if hits else None

    message = finding(late_2026)
    assert message is not None and "deadline of 2026-12-28" in message and "within 5 working days" in message
    assert finding(duplicate("2026-12-21", "2026-12-28", "2027-01-11")) is None  # presented in 2027, read on the damage day
    deadline_2027 = reference.add_working_days(date(2027, 2, 1), 3)
    assert deadline_2027 == date(2027, 2, 4)
    message = finding(duplicate("2027-02-01", "2027-02-05", "2027-02-20"))
    assert message is not None and "deadline of 2027-02-04" in message and "within 3 working days" in message
    assert finding(duplicate("2027-02-01", "2027-02-04", "2027-02-20")) is None


def test_both_evaluators_agree_on_dated_values(amended_dir: Path) -> None:
    if not durable.AVAILABLE:
        pytest.skip("durable_rules does not import here")
    from kpcheck.input.reader import parse_json

    book, reference = load_rulebook(amended_dir), load_reference(amended_dir)
    engines = [Engine(book, reference, k) for k in ("python", "durable")]
    for damaged in ("2026-12-24", "2026-12-30", "2027-01-04", "2027-01-05", "2027-06-01"):
        for offset in range(2, 12):
            returned = date.fromordinal(date.fromisoformat(damaged).toordinal() + offset).isoformat()
            sub = parse_json(json.dumps(duplicate(damaged, returned, "2027-08-01")).encode(), "<t>").submission
            plain = engines[0].evaluate(sub, plain=True)
            got = [e.evaluate(sub) for e in engines]
            assert got[0] == got[1] == plain, (damaged, returned)


def test_the_generated_code_reads_the_dated_value(amended_dir: Path) -> None:
    engine = Engine(load_rulebook(amended_dir), load_reference(amended_dir), "python")
    assert ".at(" in engine.code.source  # a dated value, read on the day in the compiled code
    dated = [arg for let in engine.book.lets.values() for _, arg in let.args if isinstance(arg, Dated)]
    assert dated and dated[0].on == ("duplicate.damaged_on", "presented_on")
    assert dated[0].at(date(2026, 12, 31)) == 5 and dated[0].at(date(2027, 1, 1)) == 3 and dated[0].at(date(2010, 1, 1)) == 5


def test_rules_test_passes_with_examples_on_each_side(tmp_path: Path) -> None:
    rules = amended(tmp_path)
    path = rules / "DUP" / "DUP-01.yaml"
    text = path.read_text(encoding="utf-8")
    extra = (
        "examples:\n"
        "  - name: damaged-2026-12-21-returned-2026-12-28-five-days\n"
        "    change: {presented_on: 2027-01-11, duplicate: {original_number: KZ000122, damaged_on: 2026-12-21, returned_on: 2026-12-28}}\n"
        "    expect: clean\n"
        "  - name: damaged-2027-02-01-returned-2027-02-05-three-days\n"
        "    change: {presented_on: 2027-02-20, duplicate: {original_number: KZ000122, damaged_on: 2027-02-01, returned_on: 2027-02-05}}\n"
        "    expect: triggers\n"
    )
    # the 2029 example was written for five days: under three it triggers, so it is dropped here
    head, _, tail = text.partition("examples:\n")
    kept = tail.split("  - name: damaged-2029-01-01-returned-on-deadline-2029-01-09\n")
    rest = kept[1].split("  - name: ", 1)[1] if len(kept) > 1 else ""
    path.write_text(head + extra + kept[0] + "  - name: " + rest, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "test", str(rules)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].endswith("0 failed")


def test_impact_shows_no_change_before_2027(amended_dir: Path, tmp_path: Path) -> None:
    sources = []
    for i, (damaged, returned, presented) in enumerate(
        [
            ("2026-06-01", "2026-06-05", "2026-06-20"),
            ("2026-12-21", "2026-12-28", "2027-01-11"),
            ("2027-02-01", "2027-02-05", "2027-02-20"),
            ("2027-03-01", "2027-03-03", "2027-03-20"),
        ]
    ):
        path = tmp_path / f"s{i}.json"
        path.write_text(json.dumps(duplicate(damaged, returned, presented, f"KZ00{5000 + i}")), encoding="utf-8")
        sources.append(path)
    report = impact(None, amended_dir, sources, engine="python", jobs=1)
    assert report.cuts == (date(2027, 1, 1),)
    assert list(report.periods) == ["until 2026-12-31", "from 2027-01-01"]
    before, after = report.periods["until 2026-12-31"], report.periods["from 2027-01-01"]
    assert (before.submissions, before.changed) == (1, 0)
    assert (after.submissions, after.changed) == (3, 1)
    assert [c.source for c in report.changes] == [str(sources[2])] and report.changes[0].findings_added == ("DUP-01",)
    result = CliRunner().invoke(cli, ["rules", "impact", "--new", str(amended_dir), "--engine", "python", "-j", "1", *map(str, sources)])
    assert result.exit_code == 0, result.output
    assert "until 2026-12-31" in result.output and "from 2027-01-01" in result.output


def test_amendment_days_of_the_same_rulebook_are_none() -> None:
    book = load_rulebook(RULES_DIR)
    assert amendment_days(book, book) == ()
    assert period_labels((date(2027, 1, 1), date(2028, 1, 1))) == ["until 2026-12-31", "2027-01-01 to 2027-12-31", "from 2028-01-01"]


def test_the_document_shows_both_values_with_their_dates(amended_dir: Path) -> None:
    text = render(load_rulebook(amended_dir), "markdown")
    part = text[text.index("</a>DUP-01 — ") :]
    part = part[: part.index("**Examples**")]
    assert "**Values by date**" in part and "`duplicate.damaged_on`" in part
    assert "from 2016-06-20 to 2026-12-31: `5`" in part
    assert "from 2027-01-01: `3`" in part
    assert "tools/gen_rulebook_docs.py" not in text and "`kpcheck rules docs`" in text
    ru = render(load_rulebook(amended_dir), "markdown", lang="ru")
    assert "с 2016-06-20 по 2026-12-31: `5`" in ru and "Значения по датам" in ru


DATED_RULE = """\
params:
  days: {2012-11-30: 5, 2020-01-01: 3}
reference_date: duplicate.damaged_on
let:
  deadline: {fact: working_day_deadline, with: {after: duplicate.damaged_on, days: {param: days}}}
condition: {field: duplicate.returned_on, greater_than: {field: deadline}}
message:
  2012-11-30: old text, {days} days
  2020-01-01: new text, {days} days
legal_basis:
  2012-11-30: [{act: Old act, provision: Art. 1}]
  2020-01-01: [{act: New act, provision: Art. 2}]
translations:
  ru:
    title: Т
    message: {2012-11-30: "старый текст {days}", 2020-01-01: "новый текст {days}"}
"""


def test_texts_and_legal_basis_by_date(tmp_path: Path) -> None:
    head = rule_text("T-01", "").split("legal_basis:")[0]
    rules = make_rulebook(tmp_path, {"T-01": head + "in_force:\n  from: 2012-11-30\n" + DATED_RULE})
    book = load_rulebook(rules)
    spec = book.get("T-01").spec
    assert spec.message == "new text, {days} days"  # the text in force last
    assert spec.message_on(date(2015, 1, 1)) == ("Test rule T-01", "old text, {days} days")
    assert spec.message_on(date(2021, 1, 1), "ru")[1] == "новый текст {days}"
    assert spec.message_on(date(2015, 1, 1), "kk")[1] == "старый текст {days}"  # Kazakh falls back to Russian
    assert [b.act for b in spec.legal_basis_on(date(2019, 12, 31))] == ["Old act"]
    assert [b.act for b in spec.legal_basis_on(date(2020, 1, 1))] == ["New act"]
    assert spec.has_dated() and is_dated(spec.params["days"])
    from kpcheck.input.reader import parse_json

    for kind in ENGINES:
        engine = Engine(book, load_reference(rules), kind)
        old = parse_json(json.dumps(duplicate("2019-03-01", "2019-03-29", "2019-04-01")).encode(), "<t>").submission
        new = parse_json(json.dumps(duplicate("2021-03-01", "2021-03-29", "2021-04-01")).encode(), "<t>").submission
        (a,) = engine.evaluate(old, lang="ru").findings
        (b,) = engine.evaluate(new, lang="ru").findings
        assert (a.message, a.legal_basis[0]["act"]) == ("старый текст 5", "Old act")
        assert (b.message, b.legal_basis[0]["act"]) == ("новый текст 3", "New act")
    text = render(book, "markdown")
    assert "from 2012-11-30 to 2019-12-31: old text, {days} days" in text and "from 2020-01-01: Old act" not in text
    assert "from 2020-01-01: New act — Art. 2" in text


def test_a_day_that_is_not_a_day_is_refused_at_its_place(tmp_path: Path) -> None:
    rules = make_rulebook(
        tmp_path,
        {
            "T-01": rule_text(
                "T-01",
                """\
                params:
                  days: {2016-06-20: 5, soon: 3}
                let:
                  deadline: {fact: working_day_deadline, with: {after: duplicate.damaged_on, days: {param: days}}}
                condition: {field: duplicate.returned_on, greater_than: {field: deadline}}
                """,
            )
        },
    )
    _, errors = collect_rulebook(rules)
    assert errors and errors[0].code == "RUL016"
    assert "'soon' is not a day" in errors[0].message and errors[0].location.line == 11


def test_a_dated_value_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    rules = make_rulebook(
        tmp_path,
        {
            "T-01": rule_text(
                "T-01",
                """\
                params:
                  days: {2016-06-20: 5, 2027-01-01: three}
                let:
                  deadline: {fact: working_day_deadline, with: {after: duplicate.damaged_on, days: {param: days}}}
                condition: {field: duplicate.returned_on, greater_than: {field: deadline}}
                """,
            )
        },
    )
    _, errors = collect_rulebook(rules)
    assert errors and errors[0].code == "RUL016" and "'days' takes a whole number" in errors[0].message
    assert errors[0].location.line == 11 and errors[0].location.column > 30


@pytest.mark.parametrize(
    ("given", "code", "words"),
    [("duplicate.damagd_on", "RUL017", "did you mean 'duplicate.damaged_on'"), ("certificate.number", "RUL016", "is not a date")],
)
def test_reference_date_names_a_date_field(tmp_path: Path, given: str, code: str, words: str) -> None:
    rules = make_rulebook(
        tmp_path, {"T-01": rule_text("T-01", f"reference_date: {given}\ncondition: {{field: direction, equals: export}}\n")}
    )
    with pytest.raises(RuleError) as caught:
        load_rulebook(rules)
    assert caught.value.code == code and words in caught.value.message


def _lint_codes(rules: Path) -> list[tuple[int | None, str]]:
    return [(p.place.line, p.message) for p in lint(rules) if p.code == "LNT109"]


@pytest.mark.parametrize(
    ("days", "words"),
    [
        ("{2016-06-20: 5, 2015-01-01: 3}", "2015-01-01 comes after 2016-06-20"),
        ("{2012-11-30: 5, 2012-11-30: 3}", None),  # a duplicate key: the YAML reader refuses it
        ("{2012-11-30: 5, 2031-01-01: 3}", "2031-01-01 is outside the rule's dates in force (2012-11-30 to 2030-12-31)"),
        ("{2016-06-20: 5}", "the first value takes effect on 2016-06-20, after the rule comes into force on 2012-11-30"),
    ],
)
def test_lint_checks_the_days(tmp_path: Path, days: str, words: str | None) -> None:
    text = rule_text(
        "T-01",
        f"""\
        params:
          days: {days}
        let:
          deadline: {{fact: working_day_deadline, with: {{after: duplicate.damaged_on, days: {{param: days}}}}}}
        condition: {{field: duplicate.returned_on, greater_than: {{field: deadline}}}}
        """,
    ).replace("  from: 2012-11-30\n", "  from: 2012-11-30\n  to: 2030-12-31\n")
    rules = make_rulebook(tmp_path, {"T-01": text})
    found = _lint_codes(rules)
    if words is None:
        assert any(p.code == "RUL001" and "is given twice" in p.message for p in lint(rules))
        return
    assert any(words in message and line == 12 for line, message in found), found


def test_lint_is_clean_on_the_amended_rulebook(amended_dir: Path) -> None:
    assert _lint_codes(amended_dir) == []


def test_checker_cache_covers_the_dated_values(tmp_path: Path) -> None:
    """The loaded rulebook and its compiled code are cached by their files: a changed dated value is a new entry."""
    rules = amended(tmp_path)
    doc = duplicate("2027-02-01", "2027-02-05", "2027-02-20")
    first = [f.rule for f in Checker.load(rules, engine="python").check_data(doc).findings]
    path = rules / "DUP" / "DUP-01.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("2027-01-01: 3}", "2027-01-01: 4}"), encoding="utf-8")
    second = [f.rule for f in Checker.load(rules, engine="python").check_data(doc).findings]
    assert "DUP-01" in first and "DUP-01" not in second  # returned on the 4th working day: late under 3, in time under 4
