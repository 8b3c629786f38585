"""The condition language of rule files: parsing YAML into a typed tree, with locations.

A condition is one of::

    all: [condition, ...]                      every one holds
    any: [condition, ...]                      at least one holds
    not: condition                             it does not hold
    for_any: LIST, where: condition            some item of the list satisfies it
    for_all: LIST, where: condition            every item does (true for an empty list)
    {field: NAME, OP: VALUE}                   a comparison

``NAME`` is a submission field path (``certificate.condition.erasures``), a name the rule
defines under ``let:`` (a derived fact), or inside ``where:`` an item field (``hs_code``)
or an item ``let``. ``OP`` is one of ``equals``, ``not_equals``, ``less_than``,
``at_most``, ``greater_than``, ``at_least`` (``VALUE`` a literal or ``{field: NAME}``),
``one_of`` / ``not_one_of`` (a list of literals), or ``is: present | absent``.

Absent values: a comparison with an absent side is false, ``not`` of it is true. An empty
list, a blank text and ``null`` are all absent. See docs/rule-language.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kpcheck.i18n.labels import N_
from kpcheck.input.yamlio import key_location, node_location, plain, value_location
from kpcheck.problems import KpcheckError
from kpcheck.rulebook.schema import BOOL, DATE, DECIMAL, INT, LIST, OBJECT, TEXT, VALUES, FieldType, hinted

COMPARISONS = ("equals", "not_equals", "less_than", "at_most", "greater_than", "at_least")
SETS = ("one_of", "not_one_of")
OPERATORS = COMPARISONS + SETS + ("is",)
ORDERED = (INT, DECIMAL, DATE)


FORMS = ["all", "any", "not", "for_any", "for_all", "field"]
# the messages of the condition errors, as English msgids with {names} (translated for --lang ru|kk)
T_NOT_MAPPING = N_("a condition must be a mapping (all, any, not, for_any, for_all or field)")
T_NONEMPTY_LIST = N_("'{key}' takes a non-empty list of conditions")
T_UNKNOWN_CONDITION = N_("unknown condition '{name}'")
T_UNKNOWN_CONDITION_HINT = N_("unknown condition '{name}'; did you mean '{close}'?")
T_WHERE_ONLY = N_("'{key}' takes 'where' (and optionally 'let') only")
T_NESTED = N_("lists cannot be nested inside 'where'")
T_NOT_LIST = N_("'{name}' is not a list of items")
T_NOT_LIST_HINT = N_("'{name}' is not a list of items; did you mean '{close}'?")
T_ONE_OPERATOR = N_("a comparison needs exactly one operator")
T_UNKNOWN_OPERATOR = N_("unknown operator '{name}'")
T_UNKNOWN_OPERATOR_HINT = N_("unknown operator '{name}'; did you mean '{close}'?")
T_IS_VALUE = N_("'is' takes present or absent, not {value}")
T_ONLY_IS = N_("'{field}' is a {kind}; it can only be tested with 'is'")
T_LIST_OF_VALUES = N_("'{op}' takes a list of values")
T_TWO_FIELDS = N_("inside 'where' compare an item field with a literal; compare two fields through a derived fact (let)")
T_FIELDS_MISMATCH = N_("type mismatch: '{left}' is {left_kind}, '{right}' is {right_kind}")
T_NEEDS_ORDERED = N_("'{op}' needs a number or a date; '{field}' is {kind}")
T_UNKNOWN_FIELD = N_("unknown field '{name}'")
T_UNKNOWN_FIELD_HINT = N_("unknown field '{name}'; did you mean '{close}'?")


class ConditionError(KpcheckError, ValueError):
    """A condition that does not parse; carries its location and a stable code (RUL010-RUL030)."""


@dataclass(frozen=True)
class Ref:
    """A value a condition reads: a field path, a let name, or an item field."""

    name: str
    type: str
    fields: tuple[str, ...]  # the submission field paths it stands for, for findings


@dataclass(frozen=True)
class Compare:
    left: Ref
    op: str  # one of COMPARISONS or SETS
    right: Ref | Any  # a Ref, a literal, or a tuple of literals for SETS
    negated: bool = False


@dataclass(frozen=True)
class Presence:
    ref: Ref
    present: bool


@dataclass(frozen=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Quantified:
    every: bool  # for_all when true, for_any when false
    list: Ref
    where: Node


Node = Compare | Presence | All | AnyOf | Not | Quantified

# --- Walking condition trees (both evaluators, lint and docs) ------------------------------

NEGATE = {
    "equals": "not_equals",
    "not_equals": "equals",
    "less_than": "at_least",
    "at_least": "less_than",
    "greater_than": "at_most",
    "at_most": "greater_than",
    "one_of": "not_one_of",
    "not_one_of": "one_of",
}


def nnf(node: Node, negate: bool = False) -> Node:
    """Negation normal form: ``not`` pushed down to the comparisons (De Morgan)."""
    if isinstance(node, Not):
        return nnf(node.item, not negate)
    if isinstance(node, (All, AnyOf)):
        items = tuple(nnf(i, negate) for i in node.items)
        return (AnyOf(items) if isinstance(node, All) else All(items)) if negate else type(node)(items)
    if isinstance(node, Quantified):
        return Quantified(node.every != negate, node.list, nnf(node.where, negate))
    if isinstance(node, Presence):
        return Presence(node.ref, node.present != negate)
    if isinstance(node, Compare):
        return Compare(node.left, node.op, node.right, node.negated != negate)
    raise TypeError(node)


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, (All, AnyOf)):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, Not):
        yield from walk(node.item)
    elif isinstance(node, Quantified):
        yield from walk(node.where)


def refs_of(node: Node) -> list[Ref]:
    """The values one comparison or presence test reads."""
    if isinstance(node, Compare):
        return [node.left] + ([node.right] if isinstance(node.right, Ref) else [])
    if isinstance(node, Presence):
        return [node.ref]
    return []


@dataclass
class Scope:
    """The names a condition may read: submission fields, lets, and inside a list its items."""

    fields: dict[str, FieldType]
    lets: dict[str, Ref] = field(default_factory=dict)
    item_of: str | None = None  # list path when inside for_any/for_all
    item_lets: dict[str, Ref] = field(default_factory=dict)

    def resolve(self, name: str) -> Ref | None:
        if self.item_of is not None:
            items = self.fields[self.item_of].items or {}
            if name in self.item_lets:
                return self.item_lets[name]
            if name in items:
                return Ref(name, items[name].kind, (f"{self.item_of}[].{name}",))
        if name in self.lets:
            return self.lets[name]
        if name in self.fields:
            return Ref(name, self.fields[name].kind, (name,))
        return None

    def known(self) -> list[str]:
        names = list(self.fields) + list(self.lets)
        if self.item_of is not None:
            names += list(self.fields[self.item_of].items or {}) + list(self.item_lets)
        return names


class Parser:
    """Parses one rule's conditions; ``let_parser`` turns item-level ``let`` blocks into refs."""

    def __init__(self, file: str, let_parser: Any = None):
        self.file = file
        self.let_parser = let_parser

    def error(self, node: Any, key: Any, code: str, template: str, /, **args: str) -> ConditionError:
        loc = key_location(node, key, self.file) if key is not None else node_location(node, self.file)
        return ConditionError(loc, "", code, template, args)

    def parse(self, node: Any, scope: Scope) -> Node:
        if not isinstance(node, dict) or not node:
            raise ConditionError(node_location(node, self.file), "", "RUL010", T_NOT_MAPPING)
        keys = set(node)
        if keys == {"all"} or keys == {"any"}:
            (key,) = keys
            items = node[key]
            if not isinstance(items, list) or not items:
                raise self.error(node, key, "RUL010", T_NONEMPTY_LIST, key=str(key))
            parsed = tuple(self.parse(item, scope) for item in items)
            return All(parsed) if key == "all" else AnyOf(parsed)
        if keys == {"not"}:
            return Not(self.parse(node["not"], scope))
        if "for_any" in keys or "for_all" in keys:
            return self._quantified(node, scope)
        if "field" in keys:
            return self._leaf(node, scope)
        first = next(iter(node))
        template, args = hinted(T_UNKNOWN_CONDITION, T_UNKNOWN_CONDITION_HINT, str(first), FORMS, name=str(first))
        raise self.error(node, first, "RUL011", template, **args)

    def _quantified(self, node: dict[str, Any], scope: Scope) -> Quantified:
        key = "for_any" if "for_any" in node else "for_all"
        extra = set(node) - {key, "where", "let"}
        if extra or "where" not in node:
            bad = next(iter(extra)) if extra else key
            raise self.error(node, bad, "RUL010", T_WHERE_ONLY, key=key)
        if scope.item_of is not None:
            raise self.error(node, key, "RUL010", T_NESTED)
        name = node[key]
        kind = scope.fields.get(name) if isinstance(name, str) else None
        if kind is None or kind.kind != LIST:
            lists = [k for k, v in scope.fields.items() if v.kind == LIST]
            template, args = hinted(T_NOT_LIST, T_NOT_LIST_HINT, str(name), lists, name=str(name))
            raise ConditionError(value_location(node, key, self.file), "", "RUL012", template, args)
        inner = Scope(scope.fields, scope.lets, item_of=name)
        if "let" in node and self.let_parser is not None:
            inner.item_lets = self.let_parser(node["let"], inner)
        ref = Ref(name, LIST, (name,))
        return Quantified(key == "for_all", ref, self.parse(node["where"], inner))

    def _leaf(self, node: dict[str, Any], scope: Scope) -> Node:
        ops = [k for k in node if k != "field"]
        if len(ops) != 1 or ops[0] not in OPERATORS:
            bad = next((k for k in ops if k not in OPERATORS), ops[0] if ops else "field")
            if not ops or bad in OPERATORS:
                raise self.error(node, bad, "RUL013", T_ONE_OPERATOR)
            template, args = hinted(T_UNKNOWN_OPERATOR, T_UNKNOWN_OPERATOR_HINT, str(bad), OPERATORS, name=str(bad))
            raise self.error(node, bad, "RUL013", template, **args)
        op = ops[0]
        left = self.ref(node, "field", scope)
        value = node[op]
        if op == "is":
            if value not in ("present", "absent"):
                raise ConditionError(value_location(node, op, self.file), "", "RUL014", T_IS_VALUE, {"value": repr(value)})
            return Presence(left, value == "present")
        if left.type in (LIST, VALUES, OBJECT):
            raise self.error(node, "field", "RUL015", T_ONLY_IS, field=left.name, kind=left.type)
        if op in SETS:
            if not isinstance(value, list) or not value:
                raise ConditionError(value_location(node, op, self.file), "", "RUL014", T_LIST_OF_VALUES, {"op": op})
            return Compare(left, op, tuple(self.literal(node, op, v, left) for v in value))
        if isinstance(value, dict):
            if scope.item_of is not None:
                raise self.error(node, op, "RUL018", T_TWO_FIELDS)
            right = self.ref(value, "field", scope)
            if right.type != left.type:
                args = {"left": left.name, "left_kind": left.type, "right": right.name, "right_kind": right.type}
                raise ConditionError(value_location(node, op, self.file), "", "RUL016", T_FIELDS_MISMATCH, args)
            return Compare(left, op, right)
        if op not in ("equals", "not_equals") and left.type not in ORDERED:
            raise self.error(node, op, "RUL016", T_NEEDS_ORDERED, op=op, field=left.name, kind=left.type)
        return Compare(left, op, self.literal(node, op, value, left))

    def ref(self, node: dict[str, Any], key: str, scope: Scope) -> Ref:
        name = node.get(key) if isinstance(node, dict) else None
        ref = scope.resolve(name) if isinstance(name, str) else None
        if ref is None:
            where = value_location(node, key, self.file) if isinstance(node, dict) and key in node else node_location(node, self.file)
            template, args = hinted(T_UNKNOWN_FIELD, T_UNKNOWN_FIELD_HINT, str(name), scope.known(), name=str(name))
            raise ConditionError(where, "", "RUL017", template, args)
        return ref

    def literal(self, node: dict[str, Any], key: str, value: Any, left: Ref) -> Any:
        ok = {
            BOOL: isinstance(value, bool),
            INT: isinstance(value, int) and not isinstance(value, bool),
            DECIMAL: isinstance(value, (int, Decimal)) and not isinstance(value, bool),
            DATE: isinstance(value, dt.date),
            TEXT: isinstance(value, str),
        }.get(left.type, False)
        if not ok:
            from kpcheck.rulebook.slips import literal_slip

            template, args = literal_slip(left.name, left.type, value)
            raise ConditionError(value_location(node, key, self.file), "", "RUL016", template, args)
        return plain(value)  # an int, not the reader's ScalarInt (a cached rulebook needs no YAML reader)
