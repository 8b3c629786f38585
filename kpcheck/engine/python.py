"""The plain-Python evaluator: the reference semantics of the condition language.

It runs on the projected fact (see :mod:`kpcheck.engine.plan`), exactly what durable_rules
is given, and is the oracle the tests hold the durable evaluator to. It also explains a
finding: which field paths (with 0-based list indexes) made a condition hold.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from kpcheck.engine.plan import literal_value
from kpcheck.rulebook.conditions import All, AnyOf, Compare, Node, Presence, Quantified, Ref

Test = Callable[[dict[str, Any]], bool]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": operator.eq,
    "not_equals": operator.ne,
    "less_than": operator.lt,
    "at_most": operator.le,
    "greater_than": operator.gt,
    "at_least": operator.ge,
    "one_of": lambda a, b: a in b,
    "not_one_of": lambda a, b: a not in b,
}


def compile_test(node: Node) -> Test:
    """A function of the fact that says whether the (NNF) condition holds."""
    if isinstance(node, All):
        tests = [compile_test(i) for i in node.items]
        return lambda f: all(t(f) for t in tests)
    if isinstance(node, AnyOf):
        tests = [compile_test(i) for i in node.items]
        return lambda f: any(t(f) for t in tests)
    if isinstance(node, Quantified):
        key, where = node.list.name, compile_test(node.where)
        if node.every:
            return lambda f: all(where(item) for item in f.get(key, ()))
        return lambda f: any(where(item) for item in f.get(key, ()))
    if isinstance(node, Presence):
        key, present = node.ref.name, node.present
        return lambda f: (key in f) == present
    if isinstance(node, Compare):
        return _compare(node)
    raise TypeError(node)


def _compare(node: Compare) -> Test:
    op, left, negated = _OPS[node.op], node.left.name, node.negated
    if isinstance(node.right, Ref):
        right = node.right.name

        def test(f: dict[str, Any]) -> bool:
            a, b = f.get(left), f.get(right)
            if a is None or b is None:
                return negated
            return op(a, b) != negated

        return test
    value = literal_value(node.right, node.left.type)
    if isinstance(value, tuple):
        value = frozenset(value)

    def test_literal(f: dict[str, Any]) -> bool:
        a = f.get(left)
        if a is None:
            return negated
        return op(a, value) != negated

    return test_literal


_CACHE: dict[int, tuple[Node, Test]] = {}


def cached_test(node: Node) -> Test:
    """``compile_test`` once per node of a loaded rulebook (explaining runs them again)."""
    hit = _CACHE.get(id(node))
    if hit is None or hit[0] is not node:
        hit = _CACHE[id(node)] = (node, compile_test(node))
    return hit[1]


def explain(node: Node, fact: dict[str, Any], prefix: str = "") -> list[str]:
    """The field paths that make a holding (NNF) condition hold, in order, without repeats."""
    out: list[str] = []
    _explain(node, fact, prefix, out)
    return list(dict.fromkeys(out))


def _explain(node: Node, fact: dict[str, Any], prefix: str, out: list[str]) -> None:
    if isinstance(node, All):
        for item in node.items:
            _explain(item, fact, prefix, out)
    elif isinstance(node, AnyOf):
        for item in node.items:
            if cached_test(item)(fact):
                _explain(item, fact, prefix, out)
    elif isinstance(node, Quantified):
        items = fact.get(node.list.name, ())
        where = cached_test(node.where)
        hits = [i for i, item in enumerate(items) if where(item)]
        if not hits or node.every:
            out.append(node.list.name)
        for i in hits if not node.every else []:
            _explain(node.where, items[i], f"{node.list.name}[{i}].", out)
    elif isinstance(node, Presence):
        out.extend(_paths(node.ref, prefix))
    elif isinstance(node, Compare):
        out.extend(_paths(node.left, prefix))
        if isinstance(node.right, Ref):
            out.extend(_paths(node.right, prefix))


def _paths(ref: Ref, prefix: str) -> list[str]:
    paths = []
    for path in ref.fields:
        if "[]." in path:
            path = prefix + path.split("[].", 1)[1] if prefix else path.replace("[]", "")
        paths.append(path)
    return paths
