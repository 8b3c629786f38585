"""The traps of docs/engine-notes.md, each evaluated right by both evaluators."""

from __future__ import annotations

import json

import pytest
from conftest import ENGINE_KINDS, base
from rulebook_factory import make_rulebook, rule_text

from kpcheck.api import Checker
from kpcheck.engine import Engine, EngineError, durable
from kpcheck.input.models import Submission
from kpcheck.input.reader import parse_json
from kpcheck.rulebook.conditions import AnyOf, Compare, Presence, Quantified, Ref, nnf, walk
from kpcheck.rulebook.loader import load_rulebook


def submission(doc):
    loaded = parse_json(json.dumps(doc).encode(), "test")
    assert loaded.error is None, loaded.error
    return loaded.submission


def engines_for(directory, reference):
    book = load_rulebook(directory)
    return {kind: Engine(book, reference, kind) for kind in ENGINE_KINDS}


def fired(engine, doc):
    return sorted(f.rule for f in engine.evaluate(submission(doc)).findings)


def test_comparison_with_a_missing_second_field_does_not_match(tmp_path, reference):
    rules = {
        "T-01": rule_text(
            "T-01",
            """\
        condition:
          field: state_control_act.issued_on
          not_equals: {field: certificate.issued_on}
        """,
        )
    }
    doc = base()
    doc["certificate"]["issued_on"] = None
    doc["state_control_act"]["issued_on"] = "2024-03-01"
    for kind, engine in engines_for(make_rulebook(tmp_path, rules), reference).items():
        assert fired(engine, doc) == [], kind
        doc2 = base()
        doc2["state_control_act"]["issued_on"] = "2024-03-01"
        assert fired(engine, doc2) == ["T-01"], kind


@pytest.mark.parametrize("total,triggers", [("812500.01", False), ("812499.99", False), ("812500.011", True), ("812500.02", True)])
def test_amounts_compare_in_exact_decimals(tmp_path, reference, total, triggers):
    rules = {
        "T-02": rule_text(
            "T-02",
            """\
        let:
          value_sum: {fact: sum, with: {items: certificate.lines, amount: value_usd}}
          off: {fact: differs, with: {a: certificate.total_value_usd, b: value_sum, tolerance: 0.01}}
        condition: {field: off, equals: true}
        """,
        )
    }
    doc = base()
    doc["certificate"]["total_value_usd"] = float(total) if len(total) < 12 else total
    for kind, engine in engines_for(make_rulebook(tmp_path, rules), reference).items():
        assert fired(engine, doc) == (["T-02"] if triggers else []), kind


def test_rule_testing_a_missing_field_fires_once_and_terminates(tmp_path, reference):
    rules = {
        "T-03": rule_text("T-03", "condition: {field: customs, is: absent}\n"),
        "T-04": rule_text("T-04", "condition: {field: customs.office, is: absent}\n"),
    }
    doc = base()
    doc["customs"] = None
    for kind, engine in engines_for(make_rulebook(tmp_path, rules), reference).items():
        assert fired(engine, doc) == ["T-03", "T-04"], kind
        assert fired(engine, base()) == [], kind


def test_a_submission_triggering_every_rule_at_once(tmp_path, reference):
    """70 rules of two matching branches each: 140 firings, more than one ruleset may take."""
    body = """\
        condition:
          any:
            - {field: certificate.condition.erasures, equals: true}
            - {field: certificate.condition.stains, equals: true}
        """
    rules = {f"T-{i:03d}": rule_text(f"T-{i:03d}", body) for i in range(70)}
    doc = base()
    doc["certificate"]["condition"] = {"erasures": True, "stains": True, "damaged": False}
    for kind, engine in engines_for(make_rulebook(tmp_path, rules), reference).items():
        assert fired(engine, doc) == sorted(rules), kind
        assert fired(engine, base()) == [], kind


def test_or_branches_fire_a_rule_once_with_every_field(tmp_path, reference):
    rules = {
        "T-05": rule_text(
            "T-05",
            """\
        condition:
          for_any: certificate.lines
          where:
            any:
              - {field: carats, at_most: 0}
              - {field: value_usd, at_most: 0}
        """,
        )
    }
    doc = base()
    doc["certificate"]["lines"] = [
        {"hs_code": "7102.31", "carats": 0, "value_usd": 0},
        {"hs_code": "7102.21", "carats": 1, "value_usd": 5},
        {"hs_code": "7102.10", "carats": -1, "value_usd": 5},
    ]
    for kind, engine in engines_for(make_rulebook(tmp_path, rules), reference).items():
        findings = engine.evaluate(submission(doc)).findings
        assert [f.rule for f in findings] == ["T-05"], kind
        assert findings[0].fields == ("certificate.lines[0].carats", "certificate.lines[0].value_usd", "certificate.lines[2].carats")


@pytest.mark.parametrize(
    "lines,triggers",
    [
        ([{"hs_code": "7102.31"}, {"hs_code": "7102.21"}], False),
        ([{"hs_code": "7102.99"}, {"hs_code": "7102.21"}], True),  # the matching item first
        ([{"hs_code": "7102.21"}, {"hs_code": "7102.99"}], True),  # the matching item last
        ([{"hs_code": "7102.21"}, {}], True),  # the field absent in one item
        ([{}, {"hs_code": "7102.21"}], True),
    ],
)
def test_alternatives_on_one_item_field_in_one_quantifier(tmp_path, reference, lines, triggers):
    """'for_any' with alternatives that all test one item field is one quantifier for
    durable_rules (its list read once), and each item is decided by its own field."""
    rules = {
        "T-07": rule_text(
            "T-07",
            """\
        condition:
          for_any: certificate.lines
          where:
            any:
              - {field: hs_code, is: absent}
              - {field: hs_code, not_one_of: ["7102.10", "7102.21", "7102.31"]}
        """,
        )
    }
    doc = base()
    doc["certificate"]["lines"] = [{"carats": 1, "value_usd": 1, **line} for line in lines]
    for kind, engine in engines_for(make_rulebook(tmp_path, rules), reference).items():
        assert fired(engine, doc) == (["T-07"] if triggers else []), kind
    rule = load_rulebook(make_rulebook(tmp_path / "again", rules)).active()[0]
    expression = durable.to_durable(nnf(rule.condition))
    assert list(expression) == ["$iany"] and durable.firings(nnf(rule.condition)) == 1


def test_a_comparison_with_a_value_is_not_guarded():
    """durable_rules tests a node only on a property the fact has: a comparison with a value
    needs no existence test (a comparison of two fields keeps both, see the first test)."""
    carats = Ref("carats", "int", ("certificate.total_carats",))
    other = Ref("parcels", "int", ("certificate.parcels",))
    assert durable.to_durable(Compare(carats, "at_most", 0)) == {"$lte": {"carats": 0}}
    assert durable.to_durable(Compare(carats, "at_most", 0, negated=True)) == {"$or": [{"$nex": {"carats": 1}}, {"$gt": {"carats": 0}}]}
    assert durable.to_durable(Compare(carats, "equals", other)) == {
        "$and": [{"$ex": {"carats": 1}}, {"$ex": {"parcels": 1}}, {"carats": {"$m": "parcels"}}]
    }


def test_applies_when_alternatives_are_one_derived_boolean(book):
    """An applies_when test with alternatives reaches durable_rules as one derived boolean, so
    that its alternatives do not multiply the condition's (CTRL-03: 6, not 36); the others stay
    durable_rules' own tests. The condition comes first, tests of lists after the others, the
    dates in force last."""
    from kpcheck.engine import in_force_node

    flags: dict = {}
    whole = {}
    for rule in book.active():
        whole[rule.id] = durable.durable_rule(rule.condition, [n for n, _ in rule.applies], in_force_node(rule), flags)
    assert durable.firings(whole["CTRL-03"]) == 6
    ctrl03 = next(r for r in book.active() if r.id == "CTRL-03")
    assert whole["CTRL-03"].items[0] == nnf(ctrl03.condition)
    assert whole["CTRL-03"].items[1] == nnf(ctrl03.applies[0][0])  # one term: durable_rules' own test
    flag = whole["CTRL-03"].items[2]
    assert isinstance(flag, Presence) and flags[flag.ref.name] == nnf(ctrl03.applies[1][0])
    assert whole["CTRL-03"].items[-1] == in_force_node(ctrl03)
    assert all(durable.firings(nnf(node)) > 1 for node in flags.values())
    cond06 = whole["COND-06"].items
    assert [any(isinstance(n, Quantified) for n in walk(part)) for part in cond06] == [
        False,
        False,
        True,
        True,
        False,
    ]
    groups = durable.shard(list(whole.items()))
    assert len(groups) == 2 and all(sum(durable.firings(node) for _, node in group) <= durable.MAX_FIRINGS for group in groups)


def test_shards_are_the_fewest_and_keep_readers_together():
    """Rules are packed into as few rulesets as their firings allow, those that read the same
    properties together, each ruleset's rules in their order."""

    def rule(key: str, cost: int):
        ref = Ref(key, "bool", (key,))
        return AnyOf(tuple(Compare(ref, "equals", n) for n in range(cost)))

    rules = [("A-1", rule("a", 20)), ("B-1", rule("b", 20)), ("A-2", rule("a", 20)), ("B-2", rule("b", 16)), ("C-1", rule("c", 1))]
    groups = durable.shard(rules, limit=40)
    assert [[rule_id for rule_id, _ in group] for group in groups] in (
        [["A-1", "A-2"], ["B-1", "B-2", "C-1"]],
        [["B-1", "B-2", "C-1"], ["A-1", "A-2"]],
    )
    assert len(durable.shard(rules, limit=30)) == 4
    with pytest.raises(durable.DurableError, match="A-1 can fire 20 times"):
        durable.shard(rules, limit=19)


def test_true_is_not_one_and_text_is_not_number(tmp_path, reference):
    rules = {"T-06": rule_text("T-06", "condition: {field: certificate.parcels, equals: 1}\n")}
    doc = base()
    doc["certificate"]["parcels"] = 1
    other = base()
    other["certificate"]["parcels"] = 2
    for kind, engine in engines_for(make_rulebook(tmp_path, rules), reference).items():
        assert fired(engine, doc) == ["T-06"] and fired(engine, other) == [], kind


@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_checks_are_isolated_and_leave_nothing_behind(engines, kind):
    engine = engines[kind]
    bad = base()
    bad["certificate"]["condition"]["erasures"] = True
    first = engine.evaluate(submission(bad))
    clean = engine.evaluate(submission(base()))
    again = engine.evaluate(submission(bad))
    assert first == again
    assert "COND-01" in [f.rule for f in first.findings]
    assert "COND-01" not in [f.rule for f in clean.findings]


@pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules does not import here")
def test_engine_failure_is_status_error_never_clean(monkeypatch, tmp_path):
    checker = Checker.load(engine="durable")

    def broken(handle, text):  # every fact reaches durable_rules here, from fired and fire alike
        raise durable.DurableError("error 303")

    monkeypatch.setattr(checker.engine.durable, "_run", broken)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(base()))
    (result,) = list(checker.check_paths([path]))
    assert result.status == "error"
    assert "engine failure" in result.error["message"]


def test_unknown_engine_is_refused(book, reference):
    with pytest.raises(ValueError):
        Engine(book, reference, "drools")


def test_a_rule_that_could_overflow_a_ruleset_is_refused(tmp_path, reference):
    branches = "\n".join(f"      - {{field: certificate.parcels, equals: {i}}}" for i in range(60))
    text = rule_text("T-07", "condition:\n  all:\n    - any:\n" + branches + "\n    - any:\n" + branches + "\n")
    book = load_rulebook(make_rulebook(tmp_path, {"T-07": text}))
    if durable.AVAILABLE:
        with pytest.raises(EngineError):
            Engine(book, reference, "durable")


def test_alternatives_on_different_item_fields(tmp_path, reference):
    """durable_rules gets an $or inside $iany wrong when its branches test different fields;
    the compiler splits item conditions into terms so that both evaluators agree."""
    rules = {
        "T-08": rule_text(
            "T-08",
            """\
        condition:
          for_any: certificate.lines
          where:
            any:
              - {field: carats, at_most: 0}
              - {field: hs_code, not_one_of: ["7102.10", "7102.21", "7102.31"]}
        """,
        )
    }
    doc = base()
    doc["certificate"]["lines"] = [{"hs_code": "7102.31", "carats": 0, "value_usd": 5}]
    other = base()
    other["certificate"]["lines"] = [{"hs_code": "7103.10", "carats": 5, "value_usd": 5}]
    for kind, engine in engines_for(make_rulebook(tmp_path, rules), reference).items():
        assert fired(engine, doc) == ["T-08"], kind
        assert fired(engine, other) == ["T-08"], kind
        assert fired(engine, base()) == [], kind


def test_for_all_with_alternatives_on_one_field(tmp_path, reference):
    rules = {
        "T-09": rule_text(
            "T-09",
            """\
        condition:
          not:
            for_any: certificate.signatures
            where: {field: role, equals: state_controller}
        """,
        )
    }
    doc = base()
    doc["certificate"]["signatures"] = [{"role": "exporting_authority"}, {"name": "no role"}]
    for kind, engine in engines_for(make_rulebook(tmp_path, rules), reference).items():
        assert fired(engine, doc) == ["T-09"], kind
        assert fired(engine, base()) == [], kind


@pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules does not import here")
def test_for_all_with_alternatives_on_several_fields_is_refused(tmp_path, reference):
    rules = {
        "T-10": rule_text(
            "T-10",
            """\
        condition:
          for_all: certificate.lines
          where:
            any:
              - {field: carats, at_most: 0}
              - {field: value_usd, at_most: 0}
        """,
        )
    }
    book = load_rulebook(make_rulebook(tmp_path, rules))
    with pytest.raises(EngineError, match=r"for_all certificate\.lines"):
        Engine(book, reference, "durable")


def _quantifier_conditions(expression):
    """Every item condition of a $iall/$iany in a durable_rules expression."""
    if isinstance(expression, dict):
        for key, value in expression.items():
            if key in ("$iall", "$iany"):
                (inner,) = value.values()
                yield inner
            yield from _quantifier_conditions(value)
    elif isinstance(expression, list):
        for item in expression:
            yield from _quantifier_conditions(item)


def _last_node_is_or(expression):
    if "$or" in expression:
        return True
    return "$and" in expression and _last_node_is_or(expression["$and"][-1])


def test_no_quantifier_ends_in_an_alternative(book):
    """durable_rules 2.0.28 reads an unset field of an $or's node when the $or ends a
    quantifier's item condition, and then refuses the ruleset (error 102) whenever the memory
    there holds 0x09 or 0x0C: seen about once in a few dozen processes before the encoding
    avoided it (reproduced on demand by filling freed heap blocks with 0x09). Every quantifier
    of every rule must end in a plain test."""
    from kpcheck.engine import in_force_node

    quantified = 0
    for scope in ("submission", "batch"):
        flags: dict = {}
        for rule in book.active(scope):
            whole = durable.durable_rule(rule.condition, [n for n, _ in rule.applies], in_force_node(rule), flags)
            for inner in _quantifier_conditions(durable.to_durable(whole)):
                quantified += 1
                assert not _last_node_is_or(inner), (rule.id, inner)
    assert quantified >= 5  # the rulebook has quantifiers, alternatives among them


def test_alternatives_on_one_item_field_end_in_a_plain_test(tmp_path, reference):
    """'for_all' with alternatives on one field (no signature by a state controller) keeps
    its meaning with the closing always-true test."""
    from kpcheck.rulebook.conditions import Compare, Quantified, Ref

    role = Ref("role", "text", ("certificate.signatures[].role",))
    node = Quantified(
        True, Ref("certificate.signatures", "list", ("certificate.signatures",)), Compare(role, "equals", "state_controller", negated=True)
    )
    expression = durable.to_durable(node)
    inner = next(_quantifier_conditions(expression))
    assert inner["$and"][-1] == durable.ALWAYS_TRUE_ITEM and "$or" in inner["$and"][0]


def test_durable_message_of_a_fact():
    """A ruleset's message: the properties it reads that the fact has, valued or ``true``,
    under their short names, in the ruleset's order, then the discriminator, sid and id;
    a property the fact lacks is left out (absent, never null)."""
    build, other = durable.message_builders(
        [
            [
                ("certificate.number", "k0", True),
                ("certificate.exporter.name", "k1", False),
                ("customs.office", "k2", True),
                ('it\'s "quoted"', "k3", True),
            ],
            [("presented_on", "k4", True)],
        ]
    )
    fact = {"certificate.number": "KZ 1", "certificate.exporter.name": "Name", "presented_on": 740000, 'it\'s "quoted"': False}
    message = build(fact, 7)
    assert message == {"k0": "KZ 1", "k1": True, "k3": False, "t": "kp", "sid": "0", "id": 7}
    assert list(message) == ["k0", "k1", "k3", "t", "sid", "id"]
    assert build({}, 8) == {"t": "kp", "sid": "0", "id": 8}
    assert other(fact, 9) == {"k4": 740000, "t": "kp", "sid": "0", "id": 9}


@pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules imports on Python 3.10-3.12 only")
def test_durable_sessions_keep_no_fact_after_a_check():
    """After a check no fact stays in a ruleset's session: a fact that matched was retracted,
    one that matched nothing was never stored. Asserted again, the same text is new (code 1
    or 0), never "observed" (code 2, what a stored fact answers)."""
    engine = Checker.load(engine="durable").engine
    evaluator = engine.durable
    assert evaluator is not None
    defective = base()
    defective["certificate"]["condition"]["erasures"] = True  # COND-01
    for doc, triggers in ((base(), False), (defective, True)):
        fact, _ = engine.code.project(Submission.model_validate_json(json.dumps(doc)), None)
        assert bool(evaluator.fired(fact)) is triggers
        serial = next(evaluator._serial) - 1  # the serial that check used: the same texts
        codes = []
        for handle, _, message in evaluator.shards:
            text = durable._dumps(message(fact, serial))
            code, _ = durable._engine.assert_fact(handle, text)
            codes.append(code)
            durable._engine.retract_fact(handle, text)
        assert 2 not in codes and (0 in codes) is triggers


def test_durable_facts_use_short_names_and_presence_only_values():
    """The rulesets read renamed properties: tests and $m references renamed, item
    properties, literal values and operators kept; a property only tested for presence is
    sent as true (its text never reaches the engine)."""
    expression = {
        "$and": [
            {"t": "kp"},
            {"$ex": {"certificate.number": 1}},
            {"$gt": {"presented_on": {"$m": "certificate.issued_on"}}},
            {"$iany": {"certificate.lines": {"$lt": {"$i.carats": 0}}}},
            {"direction": "certificate.number"},
        ]
    }
    names = {"certificate.number": "k0", "presented_on": "k1", "certificate.issued_on": "k2", "certificate.lines": "k3", "direction": "k4"}
    assert durable.renamed(expression, names) == {
        "$and": [
            {"t": "kp"},
            {"$ex": {"k0": 1}},
            {"$gt": {"k1": {"$m": "k2"}}},
            {"$iany": {"k3": {"$lt": {"$i.carats": 0}}}},
            {"k4": "certificate.number"},
        ]
    }
    if not durable.AVAILABLE:
        return
    engine = Checker.load(engine="durable").engine
    assert engine.durable is not None
    sent = {key: valued for _, keys, _ in engine.durable.shards for key, _, valued in keys}
    assert sent["certificate.exporter.name"] is False and sent["presented_on"] is True
    assert sent["certificate.signatures"] is True  # a list quantified over: its items are read
