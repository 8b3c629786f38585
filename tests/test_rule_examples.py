"""Every rule's examples, rules across submissions included, as parametrized tests on both
evaluators (ids like COND-01:triggers:erasure), run by the one example runner that
``kpcheck rules test`` and lint use."""

from __future__ import annotations

import pytest
from conftest import ENGINE_KINDS

from kpcheck.engine import Engine
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook
from kpcheck.tooling.examples import run_example

BOOK = load_rulebook(RULES_DIR)
CASES = [(rule, ex) for rule in BOOK.rules for ex in rule.spec.examples]
SCOPES = {rule.spec.scope for rule in BOOK.rules}


def test_both_scopes_have_examples():
    assert SCOPES == {"submission", "batch"}
    assert any(rule.id.startswith("XREF") for rule, _ in CASES)


@pytest.fixture(scope="module")
def engines_by_scope(book, reference, engines):
    batch = {kind: Engine(book, reference, kind, scope="batch") for kind in ENGINE_KINDS}
    return {"submission": engines, "batch": batch}


@pytest.mark.parametrize("rule,example", CASES, ids=[f"{r.id}:{e.expect}:{e.name}" for r, e in CASES])
def test_example(rule, example, book, engines_by_scope):
    results = run_example(rule, example, book, engines_by_scope[rule.spec.scope])
    assert {r.engine for r in results} == set(ENGINE_KINDS)
    for result in results:
        assert result.actual == example.expect, f"{result.engine}: {result.detail}"
    reference = next(r.found for r in results if r.engine == "python")
    for result in results:
        assert result.found == reference, f"{result.engine} differs from the Python evaluator"
