"""Pass 2's memo of quiet keys (no repeated number, no line beyond a median): the outcome of the
rules across submissions is the one the engine gives every key, on the days before and after
each rule's force, with and without a duplicate request; a rulebook whose rules across
submissions read more of a view than its date is evaluated key by key."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from kpcheck.api import Checker
from kpcheck.batch import audit as audit_module
from kpcheck.rulebook.loader import RULES_DIR


def _generate():
    from tools.generate import generate

    return generate


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """600 generated submissions (XREF-01, -02 and -03 among them), some moved to the days
    around XREF-01/03's admission and XREF-02's resolution, a few duplicate requests."""
    docs = list(_generate()(600, 0.3, 31))
    days = ["2012-11-29", "2012-11-30", "2016-06-19", "2016-06-20", "2016-06-21", "2013-05-02"]
    for i, doc in enumerate(docs[::7]):
        doc["presented_on"] = days[i % len(days)]
    known = docs[3]["certificate"]["number"]
    for n, i in enumerate(range(50, 600, 97)):
        doc = docs[i]
        if doc["direction"] == "export":
            on = doc["presented_on"]
            doc["duplicate"] = {"original_number": known if n % 2 else f"KZ-NONE-{n}", "damaged_on": on, "returned_on": on}
    path = tmp_path_factory.mktemp("quiet") / "batch.jsonl"
    path.write_text("\n".join(json.dumps(doc) for doc in docs) + "\n")
    return path


def _results(checker, path, monkeypatch, memo):
    if not memo:
        monkeypatch.setattr(audit_module, "quiet_plan", lambda engine: None)
    return list(audit_module.audit([str(path)], {"engine": checker.engine.kind}, 1, checker=checker))


@pytest.mark.parametrize("engine", ["python", pytest.param("durable", marks=pytest.mark.slow)])
def test_the_memo_gives_every_key_the_engines_outcome(batch, monkeypatch, engine):
    checker = Checker.load(engine=engine)
    with monkeypatch.context() as m:
        plain = _results(checker, batch, m, memo=False)
    memoised = _results(checker, batch, monkeypatch, memo=True)
    assert memoised == plain
    rules = {f.rule for r in plain for f in r.findings}
    assert {"XREF-01", "XREF-02", "XREF-03"} <= rules
    reasons = {n.reason for r in plain for n in r.not_applicable if n.rule.startswith("XREF")}
    assert any(reason.startswith("not in force on 2012-11-29") for reason in reasons)
    assert any(reason.startswith("not in force on 2016-06-19") for reason in reasons)


def test_the_shipped_rules_are_quiet_and_few_keys_are_evaluated(batch, monkeypatch):
    checker = Checker.load(engine="python")
    calls = []
    real = audit_module.Engine.evaluate

    def evaluate(self, *args, **kw):
        calls.append(self)
        return real(self, *args, **kw)

    monkeypatch.setattr(audit_module.Engine, "evaluate", evaluate)
    batch_checks = audit_module.BatchChecks(checker)
    assert batch_checks.quiet is not None and [(int(r), m) for r, m in batch_checks.quiet] == [(10, 20)]
    results = list(audit_module.audit([str(batch)], {"engine": "python"}, 1, checker=checker))
    across = [engine for engine in calls if engine.projector.paths == {"presented_on": "date"}]
    assert 0 < len(across) < len(results) // 4


def test_rules_that_read_more_than_the_day_are_evaluated_key_by_key(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    xref01 = rules / "XREF" / "XREF-01.yaml"
    text = xref01.read_text(encoding="utf-8")
    rule = "applies_when:\n  - condition: {field: direction, equals: export}\n    reason: exports only here\nlet:\n"
    xref01.write_text(text.replace("let:\n", rule, 1), encoding="utf-8")
    checker = Checker.load(rules, engine="python")
    assert audit_module.BatchChecks(checker).quiet is None
    docs = list(_generate()(40, 0.0, 5))
    for doc in docs:
        doc["presented_on"] = dt.date(2024, 3, 4).isoformat()  # one day: a memo by day would mix the directions
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(doc) for doc in docs) + "\n")
    results = list(audit_module.audit([str(path)], {"engine": "python"}, 1, checker=checker))
    skipped = {r.direction: {n.reason for n in r.not_applicable if n.rule == "XREF-01"} for r in results}
    assert skipped == {"export": set(), "import": {"exports only here"}}
