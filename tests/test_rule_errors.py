"""A rule file that does not load is reported with file, line, column and a hint."""

from __future__ import annotations

import pytest
from rulebook_factory import make_rulebook, rule_text

from kpcheck.rulebook.loader import collect_rulebook

CASES = {
    "unknown-field": (
        "condition: {field: certificate.condition.erasure, equals: true}\n",
        "RUL017",
        10,
        "did you mean 'certificate.condition.erasures'",
    ),
    "unknown-operator": ("condition: {field: certificate.parcels, equal: 1}\n", "RUL013", 10, "did you mean 'equals'"),
    "unknown-fact": (
        "let:\n  x: {fact: text_contain, with: {}}\ncondition: {field: x, equals: true}\n",
        "RUL021",
        11,
        "did you mean 'text_contains'",
    ),
    "type-mismatch": ("condition: {field: certificate.issued_on, greater_than: 5}\n", "RUL016", 10, "date"),
    "bad-severity": ("condition: {field: certificate.parcels, equals: 1}\n", "RUL002", 3, "severity"),
    "unknown-message-fact": (
        "condition: {field: certificate.parcels, equals: 1}\nmessage: see {deadline}\n",
        "RUL030",
        11,
        "unknown fact '{deadline}'",
    ),
    "yaml-syntax": ("condition: {field: [\n", "RUL001", 12, "expected"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_error_names_file_line_and_code(tmp_path, case):
    body, code, line, text = CASES[case]
    rule = rule_text("T-01", body)
    if case == "bad-severity":
        rule = rule.replace("severity: violation", "severity: fatal")
    directory = make_rulebook(tmp_path, {"T-01": rule})
    _, errors = collect_rulebook(directory)
    assert len(errors) == 1, errors
    (err,) = errors
    assert err.code == code
    assert str(err).startswith(f"{directory / 'T' / 'T-01.yaml'}:{line}:")
    assert text in str(err)


def test_id_must_match_file_name(tmp_path):
    directory = make_rulebook(tmp_path, {"T-02": rule_text("T-01", "condition: {field: certificate.parcels, equals: 1}\n")})
    (err,) = collect_rulebook(directory)[1]
    assert err.code == "RUL003" and "T-02.yaml" in str(err)


def test_all_errors_are_collected(tmp_path):
    directory = make_rulebook(
        tmp_path,
        {
            "T-01": rule_text("T-01", "condition: {field: nope, equals: 1}\n"),
            "T-02": rule_text("T-02", "condition: {field: certificate.parcels, equals: 1}\n"),
            "T-03": rule_text("T-03", "condition: {fild: x}\n"),
        },
    )
    _book, errors = collect_rulebook(directory)
    assert [e.code for e in errors] == ["RUL017", "RUL011"]


@pytest.mark.parametrize(
    "head, fact, message",
    [
        ("", "xref_same_number: {fact: xref_same_number}", "reads other submissions: the rule needs 'scope: batch'"),
        (
            "scope: batch\nneeds: history\n",
            "xref_price_outliers: {fact: xref_price_outliers, with: {ratio: 10, min_lines: 20}}",
            "reads the whole audited batch: a rule with 'needs: history' cannot call it",
        ),
        (
            "scope: batch\nneeds: history\n",
            "kazakh_party: {fact: kazakh_party, with: {part: name}}",
            "reads the submission itself: a rule across submissions (scope: batch) cannot call it",
        ),
    ],
)
def test_a_fact_across_submissions_needs_a_rule_that_reaches_as_far(tmp_path, head, fact, message):
    name = fact.split(":")[0]
    body = f"{head}let:\n  {fact}\ncondition: {{field: {name}, is: present}}\n"
    directory = make_rulebook(tmp_path, {"T-01": rule_text("T-01", body)})
    (err,) = collect_rulebook(directory)[1]
    assert err.code == "RUL024" and message in str(err), str(err)
    assert str(err).startswith(f"{directory / 'T' / 'T-01.yaml'}:")


def test_a_history_fact_in_a_history_rule_and_a_batch_fact_in_a_batch_rule_load(tmp_path):
    body = "scope: batch\nneeds: history\nlet:\n  n: {fact: xref_same_number}\ncondition: {field: n, greater_than: 0}\n"
    body3 = "scope: batch\nlet:\n  o: {fact: xref_price_outliers, with: {ratio: 10, min_lines: 20}}\ncondition: {field: o, is: present}\n"
    directory = make_rulebook(tmp_path, {"T-01": rule_text("T-01", body), "T-02": rule_text("T-02", body3)})
    book, errors = collect_rulebook(directory)
    assert errors == [] and book is not None and book.history_rules() == {"T-01"}
