"""The durable_rules evaluator: the only module that imports durable_rules.

It follows what was measured before kpcheck was built (docs/engine-notes.md):

* facts are *asserted*, never posted, so every matching rule fires;
* every rule tests the discriminator ``t == "kp"``;
* one fixed session per ruleset; each check asserts, runs every action synchronously
  through the C module (no Host, no timer threads), and retracts the fact (a fact that
  matched nothing was not stored, and is not retracted);
* the rulebook is sharded so that no ruleset can fire more than :data:`MAX_FIRINGS` times
  on one fact, counting every branch of an ``$or``; firings are de-duplicated per rule;
* comparisons with a field guard both sides with an existence test; values are integers,
  booleans and texts only (see :mod:`kpcheck.engine.plan`).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from kpcheck.engine import codegen
from kpcheck.engine.codegen import Messages
from kpcheck.engine.plan import literal_value
from kpcheck.rulebook.conditions import NEGATE, All, AnyOf, Compare, Node, Presence, Quantified, Ref, nnf, walk
from kpcheck.rulebook.schema import BOOL

try:  # durable_rules builds and imports on Python 3.10-3.12 only
    import durable_rules_engine as _engine
except ImportError:  # pragma: no cover - exercised on 3.13
    _engine = None

AVAILABLE = _engine is not None


def version() -> str | None:
    """The installed durable-rules version, or None when it does not import."""
    if not AVAILABLE:
        return None
    from importlib import metadata

    try:
        return metadata.version("durable-rules")
    except metadata.PackageNotFoundError:  # pragma: no cover - built by hand
        return "unknown version"


MAX_FIRINGS = 56
DISCRIMINATOR = {"t": "kp"}
# durable_rules 2.0.28 checks the last node of a quantifier's item condition for its right
# operand's type; an $or's last node is a "forward" node whose right operand the C code never
# sets, so the check reads uninitialised memory and refuses the ruleset (error 102) when that
# memory happens to hold 0x09 or 0x0C. Ending the condition with this atom (an item field that
# never exists is absent) gives the check a node it did set; the meaning is unchanged.
ALWAYS_TRUE_ITEM = {"$nex": {"$i.__kpcheck_never__": 1}}
_OPS = {"equals": None, "not_equals": "$neq", "less_than": "$lt", "at_most": "$lte", "greater_than": "$gt", "at_least": "$gte"}
_names = itertools.count()


def _dumps(value: Any) -> str:
    """JSON text for the engine; rulesets and facts go through the same encoder (orjson:
    a fifth of the standard library's time), so texts compare byte for byte."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # integers beyond 64 bits: the standard library, same spelling
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class DurableError(RuntimeError):
    """durable_rules refused a fact or a ruleset."""


def to_durable(node: Node, item: bool = False) -> dict[str, Any]:
    """The durable_rules expression of an NNF condition."""
    if isinstance(node, All):
        return {"$and": [to_durable(i, item) for i in node.items]}
    if isinstance(node, AnyOf):
        return {"$or": [to_durable(i, item) for i in node.items]}
    if isinstance(node, Quantified):
        return _quantified(node)
    if isinstance(node, Presence):
        return {"$ex" if node.present else "$nex": {_key(node.ref, item): 1}}
    if isinstance(node, Compare):
        return _compare(node, item)
    raise TypeError(node)


def item_terms(node: Node) -> list[list[Node]]:
    """The disjunctive form of an (NNF) item condition, as lists of atoms without ``$or``.

    durable_rules evaluates an ``$or`` inside ``$iany``/``$iall`` wrongly when its branches
    test different item fields (the last branch whose field exists decides), so item
    conditions are split into terms: a negated comparison becomes its "absent" terms and
    the held opposite comparison.
    """
    if isinstance(node, All):
        terms: list[list[Node]] = [[]]
        for item in node.items:
            terms = [t + u for t in terms for u in item_terms(item)]
        return terms
    if isinstance(node, AnyOf):
        return [t for item in node.items for t in item_terms(item)]
    if isinstance(node, Compare) and node.negated:
        refs = [node.left] + ([node.right] if isinstance(node.right, Ref) else [])
        held = Compare(node.left, NEGATE[node.op], node.right)
        absent: list[list[Node]] = [[Presence(r, False)] for r in refs]
        return [*absent, [held]]
    return [[node]]


def _one_field(terms: list[list[Node]]) -> bool:
    """Alternatives that all test one and the same item field: durable_rules evaluates an
    ``$or`` of those right inside a quantifier (measured), so they need not be split."""
    return len(terms) > 1 and len({_field_of(a) for t in terms for a in t}) == 1


def _quantified(node: Quantified) -> dict[str, Any]:
    terms = item_terms(node.where)
    name = node.list.name
    if _one_field(terms):
        # the always-true atom after the alternatives keeps the $or from being the
        # quantifier's last node; one quantifier node, so the engine reads the list once
        inner = {"$and": [{"$or": [_conjunction(t, guard=False) for t in terms]}, ALWAYS_TRUE_ITEM]}
        if not node.every:
            return {"$iany": {name: inner}}
        return {"$or": [{"$nex": {name: 1}}, {"$iall": {name: inner}}]}
    if node.every:
        if len(terms) > 1:
            raise DurableError(
                f"'for_all {name}' with alternatives inside cannot be evaluated by durable_rules; "
                "write it as 'not for_any' of the opposite, or use an item-level let"
            )
        return {"$or": [{"$nex": {name: 1}}, {"$iall": {name: _conjunction(terms[0])}}]}
    parts = [{"$iany": {name: _conjunction(t)}} for t in terms]
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _field_of(atom: Node) -> tuple[str, ...]:
    if isinstance(atom, Presence):
        return (atom.ref.name,)
    assert isinstance(atom, Compare)
    return (atom.left.name,) + ((atom.right.name,) if isinstance(atom.right, Ref) else ())


def _conjunction(atoms: list[Node], guard: bool = True) -> dict[str, Any]:
    """An item condition's term. ``guard=False`` leaves out the existence tests of its
    comparisons: only for alternatives on one field, where a branch that the field is absent
    already holds (the quantifier's expression stays within durable_rules' 32 per rule)."""
    compiled = [_compare(a, True, guard) if isinstance(a, Compare) and not guard else to_durable(a, True) for a in atoms]
    return compiled[0] if len(compiled) == 1 else {"$and": compiled}


def _key(ref: Ref, item: bool) -> str:
    return f"$i.{ref.name}" if item else ref.name


def _compare(node: Compare, item: bool, guard: bool = True) -> dict[str, Any]:
    op = NEGATE[node.op] if node.negated else node.op
    left = _key(node.left, item)
    refs = [left] + ([_key(node.right, item)] if isinstance(node.right, Ref) else [])
    test: dict[Any, Any]
    if isinstance(node.right, Ref):
        right = {"$m": refs[1]}
        test = {left: right} if op == "equals" else {_OPS[op]: {left: right}}
    else:
        value = literal_value(node.right, node.left.type)
        if op == "one_of":
            test = {"$or": [{left: v} for v in value]} if len(value) > 1 else {left: value[0]}
        elif op == "not_one_of":
            test = {"$and": [{"$neq": {left: v}} for v in value]}
        elif op == "equals":
            test = {left: value}
        else:
            test = {_OPS[op]: {left: value}}
    if not guard:
        return test
    # field against field: both sides guarded (a missing second field matches in the C code);
    # field against a value: durable_rules tests a node only on a property the fact has
    held = {"$and": [*({"$ex": {r: 1}} for r in refs), test]} if isinstance(node.right, Ref) else test
    if not node.negated:
        return held
    return {"$or": [*({"$nex": {r: 1}} for r in refs), held]}


def keys_read(node: Node, values_only: bool = False) -> set[str]:
    """The top-level fact properties a condition reads (a ruleset is given only those);
    ``values_only``: only those whose values it reads (compared, or a list quantified over),
    not those it only tests for presence."""
    if isinstance(node, (All, AnyOf)):
        return set().union(*(keys_read(i, values_only) for i in node.items))
    if isinstance(node, Quantified):
        return {node.list.name}
    if isinstance(node, Presence):
        return set() if values_only else {node.ref.name}
    if isinstance(node, Compare):
        return {node.left.name} | ({node.right.name} if isinstance(node.right, Ref) else set())
    raise TypeError(node)


def firings(node: Node) -> int:
    """How many times a rule can fire on one fact: one per term of its disjunctive form.

    The ``$or`` that guards a negated comparison has mutually exclusive branches, and a
    quantifier fires once per term of its item condition whatever its items.
    """
    if isinstance(node, All):
        total = 1
        for item in node.items:
            total *= firings(item)
        return total
    if isinstance(node, AnyOf):
        return sum(firings(i) for i in node.items)
    if isinstance(node, Quantified) and not node.every:
        terms = item_terms(node.where)
        return 1 if _one_field(terms) else len(terms)
    return 1


def shard(rules: list[tuple[str, Node]], limit: int = MAX_FIRINGS) -> list[list[tuple[str, Node]]]:
    """Pack rules into as few rulesets as their firings on one fact allow (at most ``limit``
    each), rules that read the same properties together: a ruleset is handed the properties
    its rules read, and the engine's work on a fact grows with them (each matched node of its
    network goes through all of them). The heaviest rules first, each where it adds the fewest
    properties; then single rules moved while that lowers the number of properties handed over
    (exchanging pairs as well found one property fewer on the shipped rulebook, for five times
    the work at every start). Rules keep their order within a ruleset."""
    costs = [firings(node) for _, node in rules]
    for (rule_id, _), cost in zip(rules, costs):
        if cost > limit:
            raise DurableError(f"rule {rule_id} can fire {cost} times on one fact; the engine allows {limit}")
    reads = [frozenset(keys_read(node)) for _, node in rules]
    count = max(1, -(-sum(costs) // limit))
    while (where := _pack(costs, reads, limit, count)) is None:
        count += 1
    load = [0] * count
    held: list[dict[str, int]] = [{} for _ in range(count)]  # property -> how many of the ruleset's rules read it
    for i, n in enumerate(where):
        load[n] += costs[i]
        for key in reads[i]:
            held[n][key] = held[n].get(key, 0) + 1

    def gain(i: int, n: int) -> int:  # the properties handed over fewer when rule i moves to ruleset n
        return sum(held[where[i]][key] == 1 for key in reads[i]) - sum(key not in held[n] for key in reads[i])

    def move(i: int, n: int) -> None:
        old = held[where[i]]
        for key in reads[i]:
            if old[key] == 1:
                del old[key]
            else:
                old[key] -= 1
            held[n][key] = held[n].get(key, 0) + 1
        load[where[i]] -= costs[i]
        load[n] += costs[i]
        where[i] = n

    better = True
    while better:
        better = False
        for i in range(len(rules)):
            for n in range(count):
                if n != where[i] and load[n] + costs[i] <= limit and gain(i, n) > 0:
                    move(i, n)
                    better = True
    return [[rule for rule, n in zip(rules, where) if n == m] for m in range(count) if m in where]


def _pack(costs: list[int], reads: list[frozenset[str]], limit: int, count: int) -> list[int] | None:
    """The ruleset of each rule, greedily, in ``count`` rulesets; None when they do not hold them."""
    where = [0] * len(costs)
    load, keys = [0] * count, [set[str]() for _ in range(count)]
    for i in sorted(range(len(costs)), key=lambda i: -costs[i]):
        room = [n for n in range(count) if load[n] + costs[i] <= limit]
        if not room:
            return None
        n = where[i] = min(room, key=lambda n: (len(reads[i] - keys[n]), load[n]))
        load[n] += costs[i]
        keys[n] |= reads[i]
    return where


def durable_rule(condition: Node, applies: list[Node], force: Node, flags: dict[str, Node]) -> Node:
    """The condition durable_rules is given for a rule (NNF): its condition, its
    ``applies_when`` tests and its dates in force, all of which must hold. The engine follows a
    rule's tests in order and stops at the first that fails, reading a list again for every
    quantifier it reaches: the condition first (it fails on most facts), the tests of lists
    after the others, the dates in force (which hold on almost every fact) last.

    An ``applies_when`` test with alternatives (more than one term of its disjunctive form) is
    handed to the engine as a derived boolean instead: ``flags`` gets it under a property name
    (one per distinct test), the message carries that property, ``true``, when the test holds
    on the fact (the generated Python expression the Python evaluator decides it by, see
    :func:`message_builders`), and the rule tests that it is present. Its alternatives would
    otherwise multiply the condition's in the rule's firings (CTRL-03: 6 x 6 = 36 of the
    rulebook's 135), and the rulebook would need three rulesets instead of two
    (docs/engine-notes.md, "Since issue 26")."""
    parts = []
    for node in applies:
        node = nnf(node)
        if firings(node) > 1:
            to_durable(node)  # a test the engine could not take is refused all the same
            name = next((name for name, known in flags.items() if known == node), f"applies_when#{len(flags)}")
            flags[name] = node
            node = Presence(Ref(name, BOOL, ()), True)
        parts.append(node)
    parts = [nnf(condition), *parts]
    quantified = [any(isinstance(n, Quantified) for n in walk(part)) for part in parts]
    return All((*(p for p, q in zip(parts, quantified) if not q), *(p for p, q in zip(parts, quantified) if q), nnf(force)))


def ruleset_name() -> str:
    """A name no other ruleset has, in this process or any other (a forked worker goes on
    counting where its parent was, so the process id is part of it)."""
    return f"kpcheck{os.getpid()}n{next(_names)}"


CREATE_ATTEMPTS = 3


def _create(definition: str) -> int:
    """Create a ruleset under a fresh name; a refusal is a :class:`DurableError`, never a traceback.

    durable_rules 2.0.28 used to refuse a ruleset now and then (error 102, "unexpected type",
    about once in a few dozen processes): its compiler reads an unset field of an ``$or``
    node that ends a quantifier's item condition. The encoding no longer ends one that way
    (:data:`ALWAYS_TRUE_ITEM`; tools/durable_heap_check.py reproduces the old refusal on
    demand). A refusal is still tried again, under a new name, before it counts: the C
    compiler may read other memory it has not set.
    """
    for attempt in range(CREATE_ATTEMPTS):
        try:
            created: int = _engine.create_ruleset(ruleset_name(), definition)
            return created
        except Exception as exc:
            if attempt == CREATE_ATTEMPTS - 1:
                raise DurableError(f"durable_rules refused a ruleset {CREATE_ATTEMPTS} times: {exc}") from exc
    raise AssertionError("unreachable")


def renamed(expression: Any, names: dict[str, str]) -> Any:
    """A durable_rules expression with its top-level fact properties renamed: property names
    (the keys of the tests) and the properties ``$m`` refers to. Item properties (``$i.``),
    literal values and the operators are left alone."""
    if isinstance(expression, list):
        return [renamed(item, names) for item in expression]
    if not isinstance(expression, dict):
        return expression
    return {names.get(key, key): (names.get(value, value) if key == "$m" else renamed(value, names)) for key, value in expression.items()}


def message_builders(
    shards: list[list[tuple[str, str, bool]]], flags: dict[str, Node] | None = None
) -> list[Callable[[dict[str, Any], int], dict[str, Any]]]:
    """For each ruleset's keys (property, short name, valued), a function ``(fact, serial) ->
    message``: the fact's values (``true`` when not ``valued``) under the short names, a key of
    ``flags`` (a derived boolean, see :func:`durable_rule`) ``true`` when its condition holds,
    then the discriminator, ``sid`` and ``id`` (:func:`kpcheck.engine.codegen.message_builders`)."""
    return codegen.message_builders(messages_of(shards, flags))


def messages_of(shards: list[list[tuple[str, str, bool]]], flags: dict[str, Node] | None = None) -> Messages:
    """What durable_rules is handed for one fact, by ruleset (:class:`~kpcheck.engine.codegen.Messages`)."""
    return Messages(shards, dict(flags or {}), {**DISCRIMINATOR, "sid": "0"})


class DurableEvaluator:
    """Compiled rulesets in one process; :meth:`fired` gives the rule ids a fact triggers.

    The engine is handed small facts: each ruleset only the properties its rules read, under
    short names (``k0``, ``k1``, ...), and ``true`` for a property its rules only test for
    presence (a certificate's exporter name, say). durable_rules parses every fact twice (to
    assert and to retract it), so the bytes count: this made its part about 7% cheaper.
    """

    def __init__(self, rules: list[tuple[str, Node]], expressions: dict[str, Any] | None = None, flags: dict[str, Node] | None = None):
        """``rules``: (id, NNF condition); ``expressions``: their :func:`to_durable`, when the
        caller made them already (the engine does, to refuse a rule whichever evaluator runs);
        ``flags``: the derived booleans the conditions test (:func:`durable_rule`)."""
        if _engine is None:
            raise DurableError("durable_rules is not installed for this Python (it imports on 3.10-3.12)")
        self.shards = []
        made = expressions if expressions is not None else {rid: to_durable(node) for rid, node in rules}
        reads = {rid: keys_read(node) for rid, node in rules}
        names = {key: f"k{i}" for i, key in enumerate(sorted(set().union(*reads.values())))}
        valued = set().union(*(keys_read(node, values_only=True) for _, node in rules))
        groups = shard(rules)
        keys = [[(key, names[key], key in valued) for key in sorted(set().union(*(reads[rid] for rid, _ in group)))] for group in groups]
        self.messages = messages_of(keys, flags)  # also for code that builds them itself (the generated check: fire)
        for group, read_keys, message in zip(groups, keys, codegen.message_builders(self.messages)):
            definition = {rid: {"all": [{"m": {"$and": [DISCRIMINATOR, renamed(made[rid], names)]}}]} for rid, _ in group}
            self.shards.append((_create(_dumps(definition)), read_keys, message))
        self._serial = itertools.count()

    def fired(self, fact: dict[str, Any]) -> set[str]:
        """Every rule id whose condition holds on the fact, each once."""
        serial = next(self._serial)
        return self._fired([message(fact, serial) for _, _, message in self.shards])

    def fire(self, messages: tuple[dict[str, Any], ...]) -> set[str]:
        """:meth:`fired` for the messages of one fact built by the caller (one a ruleset, in
        order, as :attr:`messages` says, without their ``id``)."""
        serial = next(self._serial)
        for message in messages:
            message["id"] = serial
        return self._fired(messages)

    def _fired(self, messages: Sequence[dict[str, Any]]) -> set[str]:
        fired: set[str] = set()
        for (handle, _, _), message in zip(self.shards, messages):
            fired |= self._run(handle, _dumps(message))
        return fired

    @staticmethod
    def _run(handle: int, text: str) -> set[str]:
        """The rule ids a fact fires in one ruleset; the fact is retracted after them.

        A fact no rule matches (code 1; nine in ten on the benchmark's batches) is not stored by durable_rules
        (asserted again it is new, not "observed"; 200,000 of them leave the memory flat), so
        it is not retracted: a retraction parses the whole fact again, for nothing.
        """
        try:
            code, state = _engine.assert_fact(handle, text)
        except Exception as exc:
            raise DurableError(f"durable_rules refused the fact: {exc}") from exc
        if code == 1:
            return set()
        fired: set[str] = set()
        try:
            if code != 0:
                raise DurableError(f"durable_rules answered code {code} for the fact")
            result = _engine.start_action_for_state(handle, state)
            while result:
                message = result[1] if isinstance(result, tuple) else result
                fired.update(orjson.loads(message))
                result = _engine.complete_and_start_action(handle, state)
        finally:
            try:
                _engine.retract_fact(handle, text)
            except Exception:
                pass
        return fired
