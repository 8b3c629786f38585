"""Every rule's examples, as parametrized tests, on both evaluators (ids like COND-01:triggers:erasure)."""

from __future__ import annotations

import pytest

from kpcheck.tooling.examples import build, outcome
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook

BOOK = load_rulebook(RULES_DIR)
CASES = [(rule, ex) for rule in BOOK.rules if rule.spec.scope == "submission" for ex in rule.spec.examples]


@pytest.mark.parametrize("rule,example", CASES, ids=[f"{r.id}:{e.expect}:{e.name}" for r, e in CASES])
def test_example(rule, example, engines, book):
    loaded = build(book, example, f"{rule.file}#{example.name}")
    assert loaded.error is None, loaded.error
    evaluations = {kind: engine.evaluate(loaded.submission) for kind, engine in engines.items()}
    for kind, evaluation in evaluations.items():
        assert outcome(rule.id, evaluation) == example.expect, kind
    reference = evaluations["python"]
    for kind, evaluation in evaluations.items():
        assert evaluation.findings == reference.findings, f"{kind} differs from the Python evaluator"
        assert evaluation.not_applicable == reference.not_applicable
