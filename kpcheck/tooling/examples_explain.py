"""The explanation of each failing example of ``kpcheck rules test`` (:func:`kpcheck.engine.explain.explain`
on the example's submission, on the first evaluator it failed on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kpcheck.engine import Engine
from kpcheck.engine.explain import ExplainError, explain
from kpcheck.rulebook.loader import Rulebook
from kpcheck.tooling.coverage import ExampleRun, as_tested, engines_for
from kpcheck.tooling.examples import _subject


def explain_failures(
    book: Rulebook, run: ExampleRun, registers: str | Path | None = None, lang: str = "en"
) -> dict[tuple[str, str], dict[str, Any]]:
    """(rule id, example name) -> the explanation of that failing example, for every example
    that failed on some evaluator and could be built (one that could not has its reason already)."""
    failed = {(r.rule, r.example): r.engine for r in run.results if not r.passed and r.actual != "error"}
    if not failed:
        return {}
    tested = as_tested(book)
    engines: dict[str, dict[str, Engine]] = {}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for (rule_id, name), kind in failed.items():
        rule = tested.get(rule_id)
        example = next((e for e in rule.spec.examples if e.name == name), None) if rule is not None else None
        if rule is None or example is None:
            continue
        scope = rule.spec.scope
        if scope not in engines:
            engines[scope] = engines_for(tested, registers, scope)
        engine = engines[scope][kind]
        subject, _, _ = _subject(tested, rule, example)
        if subject is None:
            continue
        try:
            batch = scope == "batch"
            out[rule_id, name] = explain(engine, rule_id, None if batch else subject, subject if batch else None, lang=lang)
        except ExplainError:
            continue
    return out
