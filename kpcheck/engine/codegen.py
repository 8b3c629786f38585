"""The rulebook compiled to Python source: what runs per submission, without walking rule trees.

:func:`compile_rulebook` turns a :class:`~kpcheck.engine.plan.Projector` and the rules of
one scope into one generated module with three functions:

* ``project(sub, batch)`` — straight-line code that reads exactly the fields the
  rulebook reads, computes the derived facts and returns ``(fact, values)``: the fact
  :meth:`Projector.project` builds (the plain reference), except the derived facts that only
  rules which do not apply would read (:func:`~kpcheck.engine.plan.guarded_lets`), and the
  values as given and derived, from which :meth:`Compiled.raw` makes the map a finding's
  message reads (made only for a submission with findings);
* ``decide(fact, on, fired)`` — the dates in force, every ``applies_when`` and every
  condition as Python expressions over the fact; ``fired`` is ``None`` for the Python
  evaluator, or the set of rule ids durable_rules fired (the conditions are then the
  engine's). It returns the indexes of the rules that trigger and, for those that do not
  apply, a prebuilt "not applicable" object (``(index, None)`` when out of force);
* ``check(sub, on, fire)`` — both in one function for one submission, every fact value a
  local, the fact made as a dict only when a rule triggers; for durable_rules it builds each
  ruleset's message from those locals and takes the conditions' answer from ``fire``.

The semantics are those of :mod:`kpcheck.engine.python` (absent values, ``None`` never
stored in a fact); a differential test holds the two to the same results. The source is
generated in milliseconds and kept in memory by the engine that compiled it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kpcheck.engine.plan import AMOUNT_SCALE, Projector, guarded_lets, literal_value, scaled
from kpcheck.rulebook.cache import compiled as cached_compile
from kpcheck.rulebook.conditions import All, AnyOf, Compare, Node, Presence, Quantified, Ref, nnf
from kpcheck.rulebook.dated import Dated
from kpcheck.rulebook.facts import FACTS, BatchContext, FactContext
from kpcheck.rulebook.schema import BOOL, DATE, DECIMAL, INT, LIST, OBJECT, TEXT, VALUES

# derived facts that read only their parameters and the reference data (never the
# submission itself): their results are memoised per engine, keyed by the arguments
PURE = frozenset(
    {
        "participant_status",
        "eaeu_member",
        "signer_registered",
        "entity_registered",
        "customs_point_designated",
        "working_day_deadline",
        "working_days_late",
        "text_contains",
        "countries_with_status",
    }
)
# of those, the ones whose date parameter is only looked up in dated periods of the reference
# data: memoised by the date's epoch (Reference.epoch), so that submissions presented on
# different days of one epoch share the answer
BY_EPOCH = {
    "participant_status": "on",
    "eaeu_member": "on",
    "signer_registered": "on",
    "entity_registered": "on",
    "customs_point_designated": "on",
    "countries_with_status": "on",
}
MEMO_LIMIT = 1 << 16
_MISS = object()
_OPS = {
    "equals": "==",
    "not_equals": "!=",
    "less_than": "<",
    "at_most": "<=",
    "greater_than": ">",
    "at_least": ">=",
    "one_of": "in",
    "not_one_of": "not in",
}


@dataclass
class Compiled:
    """The generated functions and their source (kept for reading and for tests)."""

    source: str
    project: Callable[..., tuple[dict[str, Any], tuple[Any, ...]]]  # (fact, values named by raw_names)
    decide: Callable[..., tuple[list[int], list[Any]]]  # (triggered indexes, not-applicable objects)
    # both in one function: (triggered, skipped, values, the fact when a rule triggered, what durable_rules fired)
    check: Callable[..., tuple[list[int], list[Any], tuple[Any, ...], dict[str, Any] | None, set[str] | None]] | None
    raw_names: tuple[str, ...] = ()

    def raw(self, values: tuple[Any, ...], batch: Any = None) -> dict[str, Any]:
        """The values as given and the derived facts by name (what a finding's message reads),
        from what :attr:`project` returned beside the fact; a derived fact that was not needed
        (:func:`~kpcheck.engine.plan.guarded_lets`) is ``None``. For a batch view, its fields too."""
        named = dict(zip(self.raw_names, values))
        return {**batch.fields, **named} if batch is not None else named


@dataclass
class _Source:
    """Generated lines and the constants they refer to by name."""

    lines: list[str] = field(default_factory=list)
    consts: dict[str, Any] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    memos: list[str] = field(default_factory=list)

    def const(self, value: Any) -> str:
        if isinstance(value, (bool, int, str)) or value is None:
            return repr(value)
        key = id(value)
        if key not in self.names:
            self.names[key] = name = f"_k{len(self.consts)}"
            self.consts[name] = value
        return self.names[key]

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


def compile_rulebook(
    projector: Projector,
    rules: list[tuple[str, Node, list[tuple[Node, str]], Any]],
    reference: Any,
    not_applicable: Callable[[str, str], Any] = lambda rule, reason: (rule, reason),
    fused: bool = True,
    messages: Messages | None = None,
) -> Compiled:
    """``rules`` are (id, NNF condition, [(NNF applies node, reason)], in_force spec); ``fused``:
    also the ``check`` function, the projection and decision of one submission in one function.
    With ``messages`` (durable_rules' rulesets: :class:`Messages`) its ``check`` builds their
    messages from its locals and takes the conditions' answer from durable_rules (``fire``)."""
    src = _Source()
    src.consts.update(
        _Scaled=scaled,
        _Decimal=Decimal,
        _MISS=_MISS,
        MEMO_LIMIT=MEMO_LIMIT,
        FactContext=FactContext,
        BatchContext=BatchContext,
        _reference=reference,
        _epoch=reference.epoch,
    )
    raw_names = _gen_project(src, projector, _Sink())
    _gen_decide(src, rules, not_applicable, "g")
    if fused:
        locals_ = _Sink(local=True)
        _gen_project(src, projector, locals_)
        if messages is not None:
            _gen_messages(src, messages, locals_.names)
        _gen_decide(src, rules, not_applicable, locals_.names, fired=messages is not None)
        locals_.build_fact(src)
    src.lines[:0] = _memo_keeper(src.memos)
    text = "\n".join(src.lines) + "\n"
    namespace: dict[str, Any] = dict(src.consts)
    exec(cached_compile(text, "<kpcheck compiled rulebook>"), namespace)
    return Compiled(text, namespace["project"], namespace["decide"], namespace.get("check"), raw_names)


class _Sink:
    """Where the generated projection puts the fact's values: the ``fact`` dict (``project``,
    whose fact ``decide`` and durable_rules read), or one local per key (``check``: the Python
    evaluator's projection and decision in one function, with the fact as a dict only for a
    submission that has findings, and the values read as locals instead of through ``get``)."""

    def __init__(self, local: bool = False):
        self.local = local
        self.names: dict[str, str] = {}  # key -> its local, in the order ``project`` stores them
        self.values = "()"  # the tuple of values ``project`` returns beside the fact

    def _name(self, key: str) -> str:
        return self.names.setdefault(key, f"f{len(self.names)}")

    def store(self, src: _Source, indent: int, key: str, kind: str, value: str) -> None:
        if self.local:
            src.add(indent, f"{self._name(key)} = {_converted(kind, value)}")
        else:
            _store(src, indent, "fact", key, kind, value)

    def store_list(self, src: _Source, key: str) -> None:
        """The list of item objects just built in ``items``."""
        if self.local:
            src.add(1, f"{self._name(key)} = items or None")
        else:
            src.add(1, f"if items: fact[{key!r}] = items")

    def absent(self, src: _Source, indent: int, keys: list[str]) -> None:
        """The keys of derived facts that were not computed: not in the fact."""
        if self.local:
            src.add(indent, " = ".join(self._name(key) for key in keys) + " = None")

    @property
    def get(self) -> Reader:
        return self.names if self.local else "g"

    def build_fact(self, src: _Source) -> None:
        """``check``'s end: the fact and values as ``project`` makes them, only when a rule triggered."""
        src.add(1, "if not triggered:")
        src.add(2, "return triggered, skipped, (), None, fired")
        src.add(1, "fact = {}")
        for key, name in self.names.items():
            src.add(1, f"if {name} is not None: fact[{key!r}] = {name}")
        src.add(1, f"return triggered, skipped, {self.values}, fact, fired")


def _store(src: _Source, indent: int, target: str, key: str, kind: str, value: str = "v") -> None:
    """``target[key] = engine value of v`` unless absent: plan.CONVERT, written inline."""
    k = repr(key)
    if kind == TEXT:
        src.add(indent, f"if {value} is not None and {value}.strip(): {target}[{k}] = {value}")
    elif kind == DATE:
        src.add(indent, f"if {value} is not None: {target}[{k}] = {value}.toordinal()")
    elif kind == DECIMAL:
        src.add(
            indent,
            f"if {value} is not None: {target}[{k}] = round({value}.scaleb({AMOUNT_SCALE})) "
            f"if {value}.__class__ is _Decimal else _Scaled({value})",
        )
    elif kind in (OBJECT, VALUES):
        src.add(indent, f"if {value}: {target}[{k}] = True")
    elif kind in (BOOL, INT):
        src.add(indent, f"if {value} is not None: {target}[{k}] = {value}")
    else:
        raise TypeError(f"no engine value for kind {kind}")


def _converted(kind: str, value: str) -> str:
    """The engine value of ``value`` as an expression, ``None`` when absent: what :func:`_store`
    stores, for a local."""
    if kind == TEXT:
        return f"{value} if {value} is not None and {value}.strip() else None"
    if kind == DATE:
        return f"None if {value} is None else {value}.toordinal()"
    if kind == DECIMAL:
        return (
            f"None if {value} is None else (round({value}.scaleb({AMOUNT_SCALE})) if {value}.__class__ is _Decimal else _Scaled({value}))"
        )
    if kind in (OBJECT, VALUES):
        return f"True if {value} else None"
    if kind in (BOOL, INT):
        return value
    raise TypeError(f"no engine value for kind {kind}")


def _gen_project(src: _Source, p: Projector, sink: _Sink) -> tuple[str, ...]:
    """The ``project`` function (or, with a local sink, the first part of ``check``); returns the
    names of the values it returns beside the fact (the fields as given, then the derived
    facts), from which :meth:`Compiled.raw` makes the map a finding's message reads: only when
    a rule triggers."""
    local = {path: f"p{n}" for n, path in enumerate(p.attrs)}
    if sink.local:
        src.add(0, "def check(sub, on, fire=None):")
        src.add(1, "fired = None")
        src.add(1, "if _clear_memos.pop(): _clear()")
        src.add(1, "ctx = FactContext(sub, _reference)")
        _gen_reads(src, p, local, 1)
    else:
        src.add(0, "def project(sub, batch=None):")
        src.add(1, "if _clear_memos.pop(): _clear()")
        src.add(1, "if sub is None:")
        src.add(2, "ctx = BatchContext(_reference, batch)")
        src.add(2, "given = batch.fields.get")
        for path, name in local.items():
            src.add(2, f"{name} = given({path!r})")
        src.add(1, "else:")
        src.add(2, "ctx = FactContext(sub, _reference)")
        _gen_reads(src, p, local, 2)
        src.add(1, "fact = {}")
    for path, kind in p.paths.items():
        if kind != LIST:
            sink.store(src, 1, path, kind, local[path])
    known = dict(local)
    names = {key: f"q{n}" for n, key in enumerate(p.top_lets)}
    guarded = guarded_lets(p)
    for key in p.top_lets:
        if key not in guarded:
            known[key] = names[key]
            _gen_let(src, 1, names[key], p, key, None, known)
            sink.store(src, 1, key, FACTS[p.book.lets[key].fact].returns, names[key])
    for path, plan in p.lists.items():
        _gen_list(src, p, path, plan, local[path], known, sink)
    if guarded:
        _gen_guards(src, p, guarded, names, known, sink)
    values = "(" + "".join(f"{name}, " for name in [*local.values(), *names.values()]) + ")"
    if sink.local:
        sink.values = values
    else:
        src.add(1, f"return fact, {values}")
    return (*local, *names)


def _gen_guards(
    src: _Source, p: Projector, guarded: dict[str, list[Any]], names: dict[str, str], known: dict[str, str], sink: _Sink
) -> None:
    """The guarded derived facts (:func:`~kpcheck.engine.plan.guarded_lets`): each computed when
    one of the rules that read it is in force on the day and its ``applies_when`` hold, on the
    fact built so far (what those read is in it already); ``None`` otherwise."""
    if not sink.local:
        src.add(1, "g = fact.get")
        src.add(1, "on = g('presented_on')")
    flags: dict[str, str] = {}  # rule id -> the local that says it reads its facts today
    tests_made: dict[str, str] = {}  # the same test once
    for readers in guarded.values():
        for rule in readers:
            if rule.id in flags:
                continue
            force = rule.spec.in_force
            tests = [f"{force.from_.toordinal()} <= on"] + ([f"on <= {force.to.toordinal()}"] if force.to else [])
            tests += [expression(src, nnf(node), sink.get, 0) for node, _ in rule.applies]
            test = f"on is None or ({' and '.join(tests)})"
            if test not in tests_made:
                tests_made[test] = f"r{len(tests_made)}"
                src.add(1, f"{tests_made[test]} = {test}")
            flags[rule.id] = tests_made[test]
    by_guard: dict[str, list[str]] = {}  # lets computed under the same test, together
    for key, readers in guarded.items():
        by_guard.setdefault(" or ".join(dict.fromkeys(flags[r.id] for r in readers)), []).append(key)
    for guard, keys in by_guard.items():
        src.add(1, f"if {guard}:")
        for key in keys:
            known[key] = names[key]
            _gen_let(src, 2, names[key], p, key, None, known)
            sink.store(src, 2, key, FACTS[p.book.lets[key].fact].returns, names[key])
        src.add(1, "else:")
        src.add(2, " = ".join(names[key] for key in keys) + " = None")
        sink.absent(src, 2, keys)


def _gen_reads(src: _Source, p: Projector, local: dict[str, str], indent: int) -> None:
    """One local per object on the way (``None`` when an object on the way is)."""
    objects: dict[tuple[str, ...], str] = {}
    for path, attrs in p.attrs.items():
        parent = "sub"
        for depth in range(1, len(attrs) + 1):
            prefix = attrs[:depth]
            if prefix not in objects:
                objects[prefix] = name = local[path] if depth == len(attrs) else f"o{len(objects)}"
                read = f"{parent}.{attrs[depth - 1]}"
                src.add(indent, f"{name} = {read}" if depth == 1 else f"{name} = None if {parent} is None else {read}")
            parent = objects[prefix]
        if objects[attrs] != local[path]:
            src.add(indent, f"{local[path]} = {objects[attrs]}")


def _gen_let(src: _Source, indent: int, target: str, p: Projector, key: str, env: str | None, known: dict[str, str]) -> None:
    """``target = `` one derived fact call, through a memo when the fact is pure."""
    let = p.book.lets[key]
    args, values = [], []
    pure = let.fact in PURE
    for param, arg in let.args:
        if isinstance(arg, Ref):
            name = repr(arg.name)
            outer = known.get(arg.name, "None")  # every name read is a field or an earlier derived fact
            value = f"({env}[{name}] if {name} in {env} else {outer})" if env else outer
            kind = p.paths.get(arg.name)
            if BY_EPOCH.get(let.fact) == param:
                values.append(f"(None if (_d := {value}) is None else _epoch(_d))")
            elif kind == VALUES:  # a list of codes: its tuple is the key
                values.append(f"(None if (_l := {value}) is None else tuple(_l))")
            elif kind == LIST:  # a list of objects has no key: no memo
                pure = False
            else:
                values.append(value)
        elif isinstance(arg, Dated):  # the value in force on the submission's day (the first date present)
            days = " or ".join(f"{known.get(path, 'None')}" for path in arg.on)
            value = f"{src.const(arg)}.at({days})"
            values.append(value)
        else:
            value = src.const(arg)
        args.append(f"{param}={value}")
    call = f"{src.const(FACTS[let.fact].func)}(ctx{''.join(', ' + a for a in args)})"
    if not pure or not values:
        src.add(indent, f"{target} = {call}")
        return
    memo = src.const({})
    src.memos.append(memo)
    src.add(indent, f"k = ({', '.join(values)},)")
    src.add(indent, f"{target} = {memo}.get(k, _MISS)")
    src.add(indent, f"if {target} is _MISS: {target} = {memo}[k] = {call}")


def _memo_keeper(memos: list[str]) -> list[str]:
    """Lines that empty every memo once every MEMO_LIMIT submissions, so that memory stays flat."""
    return [
        "def _clear():",
        *(f"    {m}.clear()" for m in memos),
        "    _clear_memos.extend([True] + [False] * MEMO_LIMIT)",
        "_clear_memos = [True]",
    ]


def _gen_list(src: _Source, p: Projector, path: str, plan: Any, local: str, known: dict[str, str], sink: _Sink) -> None:
    src.add(1, "items = []")
    src.add(1, f"for item in {local} or ():")
    src.add(2, "out = {}")
    if plan.lets:
        src.add(2, "env = {}")
    for name, kind in plan.fields.items():
        src.add(2, f"v = item.{name}")
        if plan.lets:
            src.add(2, f"env[{name!r}] = v")
        _store(src, 2, "out", name, kind)
    for key in plan.lets:
        _gen_let(src, 2, "v", p, key, "env", known)
        src.add(2, f"env[{key!r}] = v")
        _store(src, 2, "out", key, FACTS[p.book.lets[key].fact].returns)
    src.add(2, "items.append(out)")
    sink.store_list(src, path)


@dataclass(frozen=True)
class Messages:
    """What durable_rules is handed for one fact (:class:`~kpcheck.engine.durable.DurableEvaluator`):
    for each ruleset, its keys as (fact key, short name, valued); the derived booleans
    (``flags``: their conditions); the entries every message ends with (the discriminator and
    ``sid``; the caller adds ``id``)."""

    shards: list[list[tuple[str, str, bool]]]
    flags: dict[str, Node]
    tail: dict[str, Any]


def _gen_messages(src: _Source, messages: Messages, names: dict[str, str]) -> None:
    """``check``'s messages for durable_rules, from its locals, then ``fired = fire(messages)``
    (the caller adds ``id``): the same lines :func:`message_builders` writes for the fact."""
    built = []
    for n, keys in enumerate(messages.shards):
        built.append(f"m{n}")
        src.add(1, f"m{n} = {{}}")
        _message_lines(src, f"m{n}", keys, messages, names)
    src.add(1, f"fired = fire(({''.join(m + ', ' for m in built)}))")


def message_builders(messages: Messages) -> list[Callable[[dict[str, Any], int], dict[str, Any]]]:
    """For each ruleset, a function ``(fact, serial) -> message`` (its ``id``: the serial), for
    where no ``check`` builds them (a fact of the rules across submissions, the tests).
    Generated straight-line code, run on every fact (a fifth faster than a comprehension over
    the keys), compiled once and kept in the cache folder as the rulebook's code is."""
    src = _Source()
    for n, keys in enumerate(messages.shards):
        src.add(0, f"def message{n}(fact, serial):")
        src.add(1, "get = fact.get")
        src.add(1, "out = {}")
        _message_lines(src, "out", keys, messages, "get")
        src.add(1, "out['id'] = serial")
        src.add(1, "return out")
    namespace: dict[str, Any] = dict(src.consts)
    exec(cached_compile("\n".join(src.lines) + "\n", "<durable messages>"), namespace)
    return [namespace[f"message{n}"] for n in range(len(messages.shards))]


def _message_lines(src: _Source, target: str, keys: list[tuple[str, str, bool]], messages: Messages, get: Reader) -> None:
    """One ruleset's message into ``target``: for each (property, short name, valued) of its
    keys, the fact's value (``true`` when not ``valued``) under the short name when the fact
    holds the property (read by ``get``: the fact's get method, or ``check``'s locals, where a
    key the fact holds is a local that is not None); a derived boolean of ``messages.flags``
    ``true`` when its condition holds, else absent; then the entries of ``messages.tail``."""
    for key, name, valued in keys:
        if key in messages.flags:
            src.add(1, f"if {expression(src, messages.flags[key], get, 0)}: {target}[{name!r}] = True")
            continue
        read = _read(get, key)
        if read == "None":  # a key no local holds is never in the fact
            continue
        if isinstance(get, dict):  # a local: read as often as wanted
            src.add(1, f"if {read} is not None: {target}[{name!r}] = {read if valued else 'True'}")
        else:
            src.add(1, f"if (v := {read}) is not None: {target}[{name!r}] = {'v' if valued else 'True'}")
    for name, value in messages.tail.items():
        src.add(1, f"{target}[{name!r}] = {value!r}")


def _gen_decide(
    src: _Source,
    rules: list[tuple[str, Node, list[tuple[Node, str]], Any]],
    not_applicable: Callable[[str, str], Any],
    get: Reader,
    fired: bool = False,
) -> None:
    """``skipped`` gets ``(index, None)`` for a rule not in force on the day (the engine words
    the reason with the dates) and, for an ``applies_when`` that does not hold, the one
    ``not_applicable(rule id, reason)`` object made here for it (shared by every result).
    With ``get`` the name of the fact's get method, the ``decide`` function, whose ``fired``
    are the rules durable_rules fired (``None``: decide here); with locals by key, the
    decision part of ``check``, whose conditions are answered by ``fired`` (durable_rules')
    when ``fired`` is true, else by its expressions (the Python evaluator)."""
    fused = isinstance(get, dict)
    if not fused:
        src.add(0, "def decide(f, on, fired):")
        src.add(1, "g = f.get")
    src.add(1, "triggered, skipped = [], []")
    for index, (rule_id, condition, applies, in_force) in enumerate(rules):
        start, end = in_force.from_.toordinal(), (in_force.to.toordinal() if in_force.to else None)
        out_of_force = f"on < {start}" + (f" or on > {end}" if end is not None else "")
        src.add(1, f"if {out_of_force}: skipped.append(({index}, None))")
        for node, reason in applies:
            skip = src.const(not_applicable(rule_id, reason))
            src.add(1, f"elif not ({expression(src, node, get, 0)}): skipped.append({skip})")
        cond = expression(src, condition, get, 0)
        if fused and fired:
            src.add(1, f"elif {rule_id!r} in fired: triggered.append({index})")
        elif fused:
            src.add(1, f"elif {cond}: triggered.append({index})")
        else:
            src.add(1, f"elif ({rule_id!r} in fired) if fired is not None else ({cond}): triggered.append({index})")
    if not fused:
        src.add(1, "return triggered, skipped")


Reader = str | dict[str, str]  # how a top-level fact value is read: a get method's name, or locals by key


def _read(get: Reader, name: str, default: str = "") -> str:
    """The expression of the fact value ``name``: ``get('name')``, or its local (``None`` for a
    key the fact never holds)."""
    if isinstance(get, dict):
        local = get.get(name, "None")
        return f"({local} or {default})" if default else local
    return f"{get}({name!r}{', ' + default if default else ''})"


def expression(src: _Source, node: Node, get: Reader, depth: int) -> str:
    """A Python expression that is true when the (NNF) condition holds on the fact."""
    if isinstance(node, All):
        return "(" + " and ".join(expression(src, i, get, depth) for i in node.items) + ")" if node.items else "True"
    if isinstance(node, AnyOf):
        return "(" + " or ".join(expression(src, i, get, depth) for i in node.items) + ")" if node.items else "False"
    if isinstance(node, Quantified):
        item = f"_i{depth}"
        where = expression(src, node.where, f"{item}.get", depth + 1)
        quantifier = "all" if node.every else "any"
        return f"{quantifier}({where} for {item} in {_read(get, node.list.name, '()')})"
    if isinstance(node, Presence):
        return f"({_read(get, node.ref.name)} is {'not ' if node.present else ''}None)"
    if isinstance(node, Compare):
        return _compare(src, node, get, depth)
    raise TypeError(node)


def _compare(src: _Source, node: Compare, get: Reader, depth: int) -> str:
    op = _OPS[node.op]
    a, b = f"_a{depth}", f"_b{depth}"
    left = f"({a} := {_read(get, node.left.name)})"
    if isinstance(node.right, Ref):
        right = f"({b} := {_read(get, node.right.name)})"
        if node.negated:
            return f"({left} is None or {right} is None or not ({a} {op} {b}))"
        return f"({left} is not None and {right} is not None and {a} {op} {b})"
    value = literal_value(node.right, node.left.type)
    if isinstance(value, tuple):
        value = frozenset(value)
    lit = src.const(value)
    if node.negated:
        return f"({left} is None or not ({a} {op} {lit}))"
    return f"({left} is not None and {a} {op} {lit})"


def rules_of(compiled: list[Any]) -> list[tuple[str, Node, list[tuple[Node, str]], Any]]:
    """The decide input for an engine's compiled rules (rule, NNF condition, applies)."""
    return [(c.rule.id, c.condition, [(nnf(n), r) for n, r in c.rule.applies], c.rule.spec.in_force) for c in compiled]
