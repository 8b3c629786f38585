"""The compiled rulebook (generated source) finds exactly what the plain reference evaluator finds.

The differential test runs 10,000 generated submissions (tools/generate.py, 30% with
defects) through the compiled path of each engine and through the plain reference path
(the projection walked by :class:`~kpcheck.engine.plan.Projector`, every rule tree by
:func:`~kpcheck.engine.python.compile_test`), and requires identical evaluations: the
same findings with the same messages and fields, the same rules not applicable with the
same reasons.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from conftest import ENGINE_KINDS, base

from kpcheck.batch.xref import XrefView, build_index, key_of
from kpcheck.engine import Engine
from kpcheck.engine.codegen import MEMO_LIMIT
from kpcheck.engine.plan import guarded_lets
from kpcheck.input.models import Submission

ROOT = Path(__file__).parents[1]
COUNT = 10_000


def _generated(count: int, seed: int) -> list[Submission]:
    from tools import generate as module

    return [Submission.model_validate_json(json.dumps(doc)) for doc in module.generate(count, 0.3, seed)]


@pytest.fixture(scope="module")
def generated():
    return _generated(COUNT, 23)


@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_compiled_equals_plain_reference_on_generated_submissions(engines, generated, kind):
    engine = engines[kind]
    reference = engines["python"]
    differences, findings, skipped = [], 0, 0
    for sub in generated:
        compiled = engine.evaluate(sub)
        plain = reference.evaluate(sub, plain=True)
        if compiled != plain:
            differences.append(sub.id)
        for entries in (compiled.findings, compiled.not_applicable):  # results need them in id order
            assert [e.rule for e in entries] == sorted(e.rule for e in entries)
        findings += len(compiled.findings)
        skipped += len(compiled.not_applicable)
    assert differences == []
    assert findings > COUNT * 0.2 and skipped > COUNT  # the sample exercises findings and applicability


@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_check_is_project_then_decide(engines, generated, kind):
    """``check`` (projection and decision in one function, the fact's values as locals) decides
    as ``project`` then ``decide`` do, and makes the same fact and values for a submission with
    findings; on the fixtures too (their edge cases: blank texts, empty lists, dates out of
    force). With durable_rules, the messages it builds from its locals are those the message
    builders make from the fact, entry for entry and in order, and durable_rules fires the same."""
    engine = engines[kind]
    code, evaluator = engine.code, engine.durable
    fixtures = [Submission.model_validate_json(path.read_bytes()) for path in sorted((ROOT / "fixtures/submissions").glob("*.json"))]
    with_findings = fired_somewhere = 0
    for sub in [*fixtures, *generated]:
        on = sub.presented_on.toordinal()
        fact, values = code.project(sub)
        sent: list[list[tuple[str, object]]] = []
        fired = fire = None
        if evaluator is not None:

            def fire(messages, sent=sent):
                sent.extend([(k, v) for k, v in m.items() if k != "id"] for m in messages)
                return evaluator.fire(messages)

            built = [[(k, v) for k, v in message(fact, 0).items() if k != "id"] for _, _, message in evaluator.shards]
            fired = evaluator.fired(fact)
        hits, misses = code.decide(fact, on, fired)
        fused_hits, fused_misses, fused_values, fused_fact, fused_fired = code.check(sub, on, fire)
        assert (fused_hits, fused_misses) == (hits, misses), sub.id
        assert fused_fired == fired, sub.id
        if evaluator is not None:
            assert sent == built, sub.id
            fired_somewhere += bool(fired)
        if hits:
            with_findings += 1
            assert fused_fact == fact and list(fused_fact) == list(fact), sub.id  # the same keys in the same order
            assert fused_values == values, sub.id
        else:
            assert fused_fact is None
    assert with_findings > COUNT * 0.2
    assert evaluator is None or fired_somewhere > COUNT * 0.2


def _same_projection(engine, plain, compiled_fact, compiled_raw, guarded):
    """The compiled projection is the plain one, except derived facts that only rules which do
    not apply read (guarded_lets): those may be left out (absent in the fact, None by name)."""
    plain_fact, plain_raw = plain
    left_out = set(plain_fact) - set(compiled_fact)
    assert left_out <= guarded
    assert compiled_fact == {k: v for k, v in plain_fact.items() if k not in left_out}
    assert set(compiled_raw) == set(plain_raw)
    assert {k: v for k, v in compiled_raw.items() if k not in guarded or v is not None} == {
        k: v for k, v in plain_raw.items() if k not in guarded or compiled_raw[k] is not None
    }
    return left_out


def test_compiled_projection_equals_the_plain_projection(engines, generated, reference):
    engine = engines["python"]
    guarded = set(guarded_lets(engine.projector))
    assert guarded  # the rulebook has derived facts that only some rules' conditions read
    left_out = set()
    for sub in generated[:2000]:
        fact, values = engine.code.project(sub)
        left_out |= _same_projection(engine, engine.projector.project(sub, reference), fact, engine.code.raw(values), guarded)
    assert left_out  # the sample has submissions to which the rules reading some of them do not apply


def test_a_guarded_derived_fact_is_computed_where_a_reader_applies(engines, generated, reference):
    """Every guarded derived fact the plain projection has is in the compiled fact when one of
    the rules that read it is in force and applies: what the decision reads is always there."""
    engine = engines["python"]
    guarded = guarded_lets(engine.projector)
    for sub in generated[:1000]:
        fact, _ = engine.code.project(sub)
        plain, _ = engine.projector.project(sub, reference)
        for key, readers in guarded.items():
            if key in plain and any(
                engine.not_applicable(c, sub.presented_on, plain) is None for c in engine.compiled if c.rule in readers
            ):
                assert fact[key] == plain[key], (sub.id, key)


def test_batch_scope_compiled_equals_plain(book, reference, generated):
    engine = Engine(book, reference, "python", scope="batch")
    keys = [key_of(sub) for sub in generated[:3000]]
    index = build_index(keys)
    guarded = set(guarded_lets(engine.projector))
    for key in keys:
        view = XrefView(key, index)
        fact, values = engine.code.project(None, view)
        _same_projection(engine, engine.projector.project(None, reference, view), fact, engine.code.raw(values, view), guarded)
        engine.memo = {}
        compiled = engine.evaluate(None, view)
        engine.memo = {}
        assert compiled == engine.evaluate(None, view, plain=True)


def test_memoised_derived_facts_survive_their_clearing(engines, generated):
    """The memos of pure derived facts are emptied every MEMO_LIMIT projections; results do not change."""
    engine = engines["python"]
    sub = generated[0]
    first = engine.code.project(sub)
    for _ in range(MEMO_LIMIT + 2):
        engine.code.project(generated[1])
    assert engine.code.project(sub) == first


def test_generated_source_reads_no_rule_tree(engines):
    """The source is straight-line Python over the fields and facts: no condition objects in it."""
    source = engines["python"].code.source
    assert "def project(" in source and "def decide(" in source
    assert "Compare" not in source and "compile_test" not in source


def test_a_rule_applies_through_its_dates_in_force_in_compiled_code(engines):
    doc = base()
    doc["presented_on"] = "1999-01-04"
    sub = Submission.model_validate_json(json.dumps(doc))
    for kind in ENGINE_KINDS:
        evaluation = engines[kind].evaluate(sub)
        assert evaluation == engines["python"].evaluate(sub, plain=True)
        assert any(n.reason.startswith("not in force on 1999-01-04") for n in evaluation.not_applicable)


def test_dated_lookups_are_constant_within_an_epoch(reference):
    """The memo of participant status, EAEU membership and register entries is keyed by the
    reference data's epoch, not the day: every dated answer must be the same on the first, a
    middle and the last day of every epoch, and must change at some boundary (else the test
    shows nothing)."""
    import datetime as dt

    queries = [
        *((reference.participant_status, code) for code in [*reference.participants, *reference.eu_members, "XX"]),
        *((reference.is_eaeu_member, code) for code in reference.eaeu_members),
        *((reference.signer_registered, key) for key in reference.signers),
        *((reference.customs_point_designated, key) for key in reference.customs_points),
        *((reference.entity_registered, key) for key in reference.entities),
    ]
    one = dt.timedelta(days=1)
    cuts = [dt.date(1990, 1, 1), *reference.epochs, dt.date(2060, 1, 1)]
    changed = 0
    for first, following in itertools.pairwise(cuts):
        last = following - one
        days = [first, first + (last - first) / 2, last]
        assert len({reference.epoch(day) for day in days}) == 1
        assert reference.epoch(following) == reference.epoch(last) + 1 or following == cuts[-1]
        for query, key in queries:
            answers = {query(key, day) for day in days}
            assert len(answers) == 1, (query.__name__, key, days)
            changed += query(key, following) != query(key, last)
    assert changed > 10
