"""Why a rule gave its result on a submission: ``kpcheck explain``, ``rules test`` and the desk.

:func:`explain` evaluates one rule of an :class:`~kpcheck.engine.Engine` on one submission and
returns plain data (JSON-ready: dates ISO, amounts as text): the result the engine gave, the
days the rule was read on (its dates in force against ``presented_on``; its values by date on
its reference date), each ``applies_when`` and each clause of the condition with the values it
read and whether it holds, and every derived fact with its parameters and value; a working-day
fact lists each day from the start to the deadline (and on to the day returned) with the days
off and the weekend days worked, named as the calendar names them. The clauses are held true
or false by the reference evaluator's own tests (:func:`kpcheck.engine.python.compile_test`),
so the explanation cannot disagree with the evaluators. Rendering is
:mod:`kpcheck.tooling.explain_render`'s (text) or the caller's (the desk).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kpcheck.engine.evaluation import Engine, _Compiled
from kpcheck.engine.plan import AMOUNT_SCALE
from kpcheck.engine.python import compile_test
from kpcheck.input.models import Submission
from kpcheck.rulebook.conditions import All, AnyOf, Compare, Node, Not, Presence, Quantified, Ref, nnf
from kpcheck.rulebook.dated import Dated, is_dated, reading_days, steps_of
from kpcheck.rulebook.facts import FACTS
from kpcheck.rulebook.schema import DATE, DECIMAL, LIST, OBJECT, VALUES

MAX_DAYS = 400  # days listed by a working-day walk (a return years late is cut, and says so)
CALENDAR_FACTS = ("working_day_deadline", "working_days_late")


class ExplainError(ValueError):
    """A rule that cannot be explained here (unknown, retired, of another scope)."""


def jsonable(value: Any) -> Any:
    """A value as the explanation holds it: dates ISO, amounts as text, lists and tuples as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def _engine_back(value: Any, kind: str) -> Any:
    """An engine value (ordinal day, millionths) back as the value it stands for."""
    if value is None:
        return None
    if kind == DATE and isinstance(value, int):
        return dt.date.fromordinal(value)
    if kind == DECIMAL and isinstance(value, int):
        return Decimal(value).scaleb(-AMOUNT_SCALE).normalize()
    return value


class _Reader:
    """Reads the values a clause names, at the top of the submission or in one list item."""

    def __init__(self, rule: Any, fact: dict[str, Any], raw: dict[str, Any]):
        self.rule, self.fact, self.raw = rule, fact, raw

    def name(self, ref: Ref) -> str:
        return str(self.rule.names.get(ref.name, ref.name))

    def value(self, ref: Ref, item: dict[str, Any] | None) -> Any:
        if item is not None and ref.name in item:
            return _engine_back(item[ref.name], ref.type)
        if ref.name in self.raw and ref.name in self.fact:
            return self.raw[ref.name]
        return _engine_back(self.fact.get(ref.name), ref.type)

    def clause(self, node: Node, item: dict[str, Any] | None = None, at: int | None = None) -> dict[str, Any]:
        scope = item if item is not None else self.fact
        out: dict[str, Any] = {"holds": bool(compile_test(nnf(node))(scope))}
        if at is not None:
            out["item"] = at
        if isinstance(node, (All, AnyOf)):
            out["kind"] = "all" if isinstance(node, All) else "any"
            out["clauses"] = [self.clause(n, item) for n in node.items]
        elif isinstance(node, Not):
            out.update(kind="not", clauses=[self.clause(node.item, item)])
        elif isinstance(node, Quantified):
            out.update(self.quantified(node, scope))
        elif isinstance(node, Presence):
            out.update(kind="presence", present=node.present, left=self.side(node.ref, item))
        elif isinstance(node, Compare):
            out.update(kind="compare", op=node.op, negated=node.negated, left=self.side(node.left, item))
            if isinstance(node.right, Ref):
                out["right"] = self.side(node.right, item)
            else:
                out["right"] = {"literal": jsonable(node.right)}
            out["date"] = node.left.type == DATE
        return out

    def side(self, ref: Ref, item: dict[str, Any] | None) -> dict[str, Any]:
        if ref.type in (OBJECT, LIST, VALUES):  # a part of the submission: present or not, never its contents
            return {"name": self.name(ref)}
        return {"name": self.name(ref), "value": jsonable(self.value(ref, item))}

    def quantified(self, node: Quantified, scope: dict[str, Any]) -> dict[str, Any]:
        items = scope.get(node.list.name, ())
        test = compile_test(nnf(node.where))
        matching = [i for i, it in enumerate(items) if test(it)]
        shown = (matching[:1] if not node.every else [i for i in range(len(items)) if i not in matching][:1]) or ([0] if items else [])
        return {
            "kind": "for_all" if node.every else "for_any",
            "list": node.list.name,
            "items": len(items),
            "matching": matching,
            "clauses": [self.clause(node.where, items[i], i) for i in shown],
        }


def _weekday(day: dt.date) -> str:
    return ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]


def working_days(calendar: Any, start: dt.date, end: dt.date, counted_from: int = 0) -> list[dict[str, Any]]:
    """Each day after ``start`` through ``end``: counted as a working day (with its number) or
    skipped (a weekend day, a day off named by the calendar); a weekend day worked is named too."""
    out: list[dict[str, Any]] = []
    day, n = start, counted_from
    while day < end and len(out) < MAX_DAYS and day < dt.date.max:
        day += dt.timedelta(days=1)
        working = calendar.is_working_day(day)
        weekend = day.weekday() >= 5
        entry: dict[str, Any] = {"date": day.isoformat(), "weekday": _weekday(day), "working": working}
        if working:
            n += 1
            entry["count"] = n
            if weekend:
                entry["why"] = calendar.names.get(day) or "weekend day worked by transfer"
        else:
            entry["why"] = calendar.names.get(day) or ("weekend" if weekend else "day off")
        out.append(entry)
    if day < end:
        out.append({"date": None, "cut": (end - day).days})
    return out


def _derived(engine: Engine, c: _Compiled, raw: dict[str, Any], reader: _Reader) -> list[dict[str, Any]]:
    """Every top-level derived fact the rule reads (through other lets too), in the order computed."""
    book, keys = engine.book, {ref.name for ref in c.rule.lets.values()}
    pending = list(keys)
    while pending:
        for _, arg in book.lets[pending.pop()].args:
            if isinstance(arg, Ref) and arg.name in book.lets and arg.name not in keys:
                keys.add(arg.name)
                pending.append(arg.name)
    out = []
    for key in [k for k in book.lets if k in keys and book.lets[k].item_of is None]:
        let = book.lets[key]
        args: list[dict[str, Any]] = []
        for param, arg in let.args:
            if isinstance(arg, Ref):
                args.append({"param": param, "name": reader.name(arg), "value": jsonable(raw.get(arg.name))})
            elif isinstance(arg, Dated):
                day = arg.day(raw)
                args.append({"param": param, "value": jsonable(arg.at(day)), "read_on": jsonable(day)})
            else:
                args.append({"param": param, "value": jsonable(arg)})
        entry: dict[str, Any] = {"name": reader.name(Ref(key, "", ())), "fact": let.fact, "args": args, "value": jsonable(raw.get(key))}
        doc = FACTS[let.fact].doc
        if doc:
            entry["doc"] = doc
        if let.fact in CALENDAR_FACTS:
            entry["days"] = _calendar_walk(engine, let, raw, late_only=let.fact == "working_days_late")
        out.append(entry)
    return out


def _calendar_walk(engine: Engine, let: Any, raw: dict[str, Any], late_only: bool = False) -> list[dict[str, Any]]:
    """The deadline's working days one by one (``late_only``: the days from the deadline to the day returned)."""
    values = {
        param: (arg.read(raw) if isinstance(arg, Dated) else raw.get(arg.name) if isinstance(arg, Ref) else arg) for param, arg in let.args
    }
    start, days = values.get("after"), values.get("days")
    if not isinstance(start, dt.date) or days is None:
        return []
    calendar = engine.reference.calendar
    deadline = engine.reference.working_day_deadline(start, int(days))
    if deadline is None:
        return []
    walk = [] if late_only else working_days(calendar, start, deadline)
    for entry in walk:
        if entry.get("date") == deadline.isoformat():
            entry["deadline"] = True
    returned = values.get("returned")
    if isinstance(returned, dt.date) and returned > deadline and calendar.covers(returned):
        late = working_days(calendar, deadline, returned)
        for entry in late:
            if "count" in entry:
                entry["late"] = entry.pop("count")
        walk += late
    return walk


def _dated_values(c: _Compiled, raw: dict[str, Any]) -> list[dict[str, Any]]:
    on = reading_days(c.rule.spec.reference_date)
    out = []
    for name, value in c.rule.spec.params.items():
        if is_dated(value):
            dated = Dated(steps_of(value), on)
            day = dated.day(raw)
            out.append(
                {
                    "param": name,
                    "value": jsonable(dated.at(day)),
                    "read_on": jsonable(day),
                    "values": {d.isoformat(): jsonable(v) for d, v in dated.steps},
                }
            )
    return out


def explain(engine: Engine, rule_id: str, submission: Submission | None, batch: Any = None, lang: str = "en") -> dict[str, Any]:
    """Why rule ``rule_id`` gives its result on ``submission`` (or a batch view), as plain data,
    its texts in ``lang``.

    Raises :class:`ExplainError` when the engine does not evaluate the rule (unknown, retired,
    or of the other scope)."""
    rule_id = rule_id.strip().upper()
    c = next((x for x in engine.compiled if x.rule.id == rule_id), None)
    if c is None:
        rule = engine.book.get(rule_id)
        if rule is None:
            raise ExplainError(f"no rule {rule_id} in the rulebook")
        if rule.spec.replaced_by:
            raise ExplainError(f"rule {rule_id} is {rule.spec.status.value}; it is replaced by {rule.spec.replaced_by}")
        raise ExplainError(f"rule {rule_id} is not evaluated on one submission here ({rule.spec.scope} scope)")
    fact, raw = engine.projector.project(submission, engine.reference, batch)
    evaluation = engine.evaluate(submission, batch, lang=lang)
    spec = c.rule.spec
    presented = submission.presented_on if submission is not None else batch.fields["presented_on"]
    finding = next((f for f in evaluation.findings if f.rule == rule_id), None)
    skipped = next((n for n in evaluation.not_applicable if n.rule == rule_id), None)
    in_force = presented >= spec.in_force.from_ and (spec.in_force.to is None or presented <= spec.in_force.to)
    reader = _Reader(c.rule, fact, raw)
    result = "triggers" if finding else "not_applicable" if skipped else "clean"
    day_path = reading_days(spec.reference_date)
    return {
        "rule": spec.id,
        "title": spec.message_on(None, lang)[0],
        "severity": spec.severity.value,
        "engine": engine.kind,
        "result": result,
        "reason": skipped.reason if skipped else None,
        "presented_on": presented.isoformat(),
        "in_force": {"from": spec.in_force.from_.isoformat(), "to": jsonable(spec.in_force.to), "holds": in_force},
        "reference_date": {"field": day_path[0], "value": jsonable(Dated((), day_path).day(raw))},
        "dated": _dated_values(c, raw),
        "applies_when": [{"reason": reason, "clause": reader.clause(node)} for node, reason in c.rule.applies] if in_force else [],
        "derived": _derived(engine, c, raw, reader),
        "condition": reader.clause(c.rule.condition),
        "message": finding.message if finding else None,
        "fields": list(finding.fields) if finding else [],
        "legal_basis": [dict(b) for b in finding.legal_basis] if finding else [b.model_dump() for b in spec.legal_basis_on(presented)],
    }


__all__ = ["ExplainError", "explain", "jsonable", "working_days"]
