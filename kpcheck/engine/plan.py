"""What both evaluators share: negation normal form and the projection of a submission.

The projection turns a submission into one flat fact of engine values, holding only what
the rulebook reads: booleans, integers, texts, dates as ordinal day numbers, amounts as
integers of millionths (computed in ``Decimal``), derived facts computed in Python, and
lists of item facts. ``None``, blank texts and empty lists are left out: absent. Both
evaluators see exactly this dict, which is what makes their semantics identical.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kpcheck.input.models import Submission
from kpcheck.reference.queries import Reference
from kpcheck.rulebook.conditions import Node, Quantified, Ref, refs_of, walk
from kpcheck.rulebook.dated import Dated, reading_days
from kpcheck.rulebook.facts import FACTS, BatchContext, Context, FactContext
from kpcheck.rulebook.loader import Rulebook
from kpcheck.rulebook.schema import BOOL, DATE, DECIMAL, INT, LIST, OBJECT, SUBMISSION_FIELDS, TEXT, VALUES

AMOUNT_SCALE = 6


def scaled(value: Any) -> int:
    """An amount as the engine sees it: an integer of millionths, rounded half to even in Decimal."""
    if type(value) is not Decimal:
        value = Decimal(value)
    millionths: int = round(value.scaleb(AMOUNT_SCALE))  # Decimal's round(): to an int, half to even
    return millionths


# the one table of engine values: a present Python value of each kind -> the engine's value,
# or None (absent); :mod:`kpcheck.engine.codegen` writes the same conversions inline
CONVERT: dict[str, Callable[[Any], Any]] = {
    DECIMAL: scaled,
    DATE: lambda v: v.toordinal(),
    TEXT: lambda v: v if v.strip() else None,
    OBJECT: lambda v: True if v else None,
    VALUES: lambda v: True if v else None,
    BOOL: lambda v: v,
    INT: lambda v: v,
}


def engine_value(value: Any, kind: str) -> Any:
    """A Python value as the engine sees it; ``None`` for absent."""
    if value is None:
        return None
    convert = CONVERT.get(kind)
    if convert is None:
        raise TypeError(f"no engine value for kind {kind}")
    return convert(value)


def literal_value(value: Any, kind: str) -> Any:
    if isinstance(value, tuple):
        return tuple(engine_value(v, kind) for v in value)
    return engine_value(value, kind)


@dataclass
class ListPlan:
    path: str
    fields: dict[str, str]  # item field -> kind
    lets: list[str]  # item-level let keys, in order


class Projector:
    """Builds the engine fact of a submission for one rulebook."""

    def __init__(self, book: Rulebook, rules: list[Any] | None = None):
        self.book = book
        self.paths: dict[str, str] = {}  # top-level path -> kind
        self.lists: dict[str, ListPlan] = {}
        rules = book.rules if rules is None else rules
        self.rules = list(rules)
        used = _lets_used(book, rules)
        for rule in rules:
            for node in [rule.condition, *(n for n, _ in rule.applies)]:
                for sub in walk(node):
                    self._note(sub)
        lets = [d for d in book.lets.values() if d.key in used]
        for let in lets:
            for _, arg in let.args:
                if isinstance(arg, Ref):
                    self._note_ref(arg, let.item_of)
                elif isinstance(arg, Dated):  # read on a date of the submission
                    for path in arg.on:
                        self.paths.setdefault(path, DATE)
            if let.item_of:
                self._list(let.item_of).lets.append(let.key)
        self.top_lets = [d.key for d in lets if d.item_of is None]
        self.paths.setdefault("presented_on", DATE)  # every rule's dates in force are read against it
        for rule in rules:  # the day a rule's dated parameters and texts are read on
            for path in reading_days(rule.spec.reference_date):
                self.paths.setdefault(path, DATE)
        self.attrs = {p: tuple(p.split(".")) for p in self.paths}

    def _list(self, path: str) -> ListPlan:
        if path not in self.lists:
            self.lists[path] = ListPlan(path, {}, [])
            self.paths[path] = LIST
        return self.lists[path]

    def _note(self, node: Node) -> None:
        if isinstance(node, Quantified):
            self._list(node.list.name)
            for sub in walk(node.where):
                for ref in refs_of(sub):
                    self._note_ref(ref, node.list.name)
        else:
            for ref in refs_of(node):
                self._note_ref(ref, None)

    def _note_ref(self, ref: Ref, item_of: str | None) -> None:
        if ref.name in self.book.lets:
            return
        items = SUBMISSION_FIELDS[item_of].items if item_of else None
        if items and ref.name in items:
            self._list(item_of).fields[ref.name] = ref.type  # type: ignore[arg-type]
        elif ref.name in SUBMISSION_FIELDS:
            if ref.type == LIST:
                self._list(ref.name)
            else:
                self.paths.setdefault(ref.name, ref.type)

    def _compile(self) -> None:
        """Precomputed steps, so that projecting a submission does no look-ups by name."""
        self._getters = [(p, operator.attrgetter(p), a) for p, a in self.attrs.items()]
        self._fields = [(p, self.attrs[p], CONVERT[k]) for p, k in self.paths.items() if k != LIST]
        self._lists = [
            (p, self.attrs[p], [(n, CONVERT[k]) for n, k in plan.fields.items()], [self._let_step(key) for key in plan.lets])
            for p, plan in self.lists.items()
        ]
        self._lets = [self._let_step(key) for key in self.top_lets]

    def _let_step(self, key: str) -> tuple[str, Any, dict[str, Any], list[tuple[str, str]], Any, list[tuple[str, Dated]]]:
        let = self.book.lets[key]
        fixed = {param: arg for param, arg in let.args if not isinstance(arg, (Ref, Dated))}
        refs = [(param, arg.name) for param, arg in let.args if isinstance(arg, Ref)]
        fact = FACTS[let.fact]
        dated = [(param, arg) for param, arg in let.args if isinstance(arg, Dated)]  # read on the submission's day
        return key, fact.func, fixed, refs, CONVERT[fact.returns], dated

    def project(self, submission: Submission | None, reference: Reference, batch: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """(engine fact, raw values by name) of one submission, or of a batch view of one."""
        if not hasattr(self, "_lets"):
            self._compile()
        ctx: Context = FactContext(submission, reference) if submission is not None else BatchContext(reference, batch)
        if submission is not None:
            raw: dict[str, Any] = {}
            for path, getter, attrs in self._getters:
                try:
                    raw[path] = getter(submission)
                except AttributeError:  # an object on the way is None
                    raw[path] = _get(submission, attrs)
        else:
            raw = dict(batch.fields)
            raw.update({p: batch.fields.get(p) for p in self.attrs})
        fact: dict[str, Any] = {}
        for path, _, convert in self._fields:
            value = raw[path]
            if value is not None:
                value = convert(value)
                if value is not None:
                    fact[path] = value
        for key, func, fixed, refs, convert, dated in self._lets:
            raw[key] = value = func(ctx, **fixed, **{param: raw.get(name) for param, name in refs}, **{p: d.read(raw) for p, d in dated})
            if value is not None:
                value = convert(value)
                if value is not None:
                    fact[key] = value
        for path, _, fields, lets in self._lists:
            items = [_item(item, fields, lets, ctx, raw) for item in raw[path] or ()]
            if items:
                fact[path] = items
        return fact, raw


def _item(item: Any, fields: list[Any], lets: list[Any], ctx: Context, raw: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    out: dict[str, Any] = {}
    for name, convert in fields:
        env[name] = value = getattr(item, name)
        if value is not None:
            value = convert(value)
            if value is not None:
                out[name] = value
    for key, func, fixed, refs, convert, dated in lets:
        args = {param: env[name] if name in env else raw.get(name) for param, name in refs}
        env[key] = value = func(ctx, **fixed, **args, **{p: d.read(raw) for p, d in dated})
        if value is not None:
            value = convert(value)
            if value is not None:
                out[key] = value
    return out


def _lets_used(book: Rulebook, rules: list[Any]) -> set[str]:
    """The let keys the rules read, directly or through other lets."""
    used: set[str] = set()
    for rule in rules:
        used.update(r.name for r in rule.lets.values())
        for node in [rule.condition, *(n for n, _ in rule.applies)]:
            for sub in walk(node):
                used.update(r.name for r in refs_of(sub) if r.name in book.lets)
    pending = list(used)
    while pending:
        for _, arg in book.lets[pending.pop()].args:
            if isinstance(arg, Ref) and arg.name in book.lets and arg.name not in used:
                used.add(arg.name)
                pending.append(arg.name)
    return used


def _names_read(node: Node) -> set[str]:
    return {ref.name for sub in walk(node) for ref in refs_of(sub)}


def guarded_lets(p: Projector) -> dict[str, list[Any]]:
    """The top-level derived facts worth computing only where they are needed: those that only
    rules' conditions and messages read (no ``applies_when``, no other derived fact), each with
    the rules that read it. A rule that does not apply, or is out of force, never reads them:
    neither evaluator evaluates its condition, nor is its message built."""
    tops = set(p.top_lets)
    pinned: set[str] = set()
    for let in p.book.lets.values():  # read by another derived fact (of the top level or of items)
        pinned.update(arg.name for _, arg in let.args if isinstance(arg, Ref) and arg.name in tops)
    readers: dict[str, list[Any]] = {key: [] for key in tops}
    for rule in p.rules:
        for node, _ in rule.applies:
            pinned.update(_names_read(node) & tops)
        for key in (_names_read(rule.condition) | {ref.name for ref in rule.lets.values()}) & tops:
            readers[key].append(rule)
    return {key: readers[key] for key in p.top_lets if key not in pinned and readers[key]}


def _get(obj: Any, attrs: tuple[str, ...]) -> Any:
    for attr in attrs:
        if obj is None:
            return None
        obj = getattr(obj, attr)
    return obj


def ordinal_date(value: int) -> dt.date:
    return dt.date.fromordinal(value)
