"""The engine: compile a rulebook once, evaluate submissions, return findings (see the package doc)."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from kpcheck.engine import durable
from kpcheck.engine.codegen import compile_rulebook, rules_of
from kpcheck.engine.messages import render
from kpcheck.engine.plan import Projector
from kpcheck.engine.python import compile_test, explain
from kpcheck.i18n import gettext_for
from kpcheck.input.models import Submission
from kpcheck.input.shorten import internal_error
from kpcheck.reference.queries import Reference
from kpcheck.rulebook.conditions import All, Compare, Node, Ref, nnf, refs_of, walk
from kpcheck.rulebook.dated import Dated, reading_days
from kpcheck.rulebook.facts import FACTS
from kpcheck.rulebook.loader import Rule, Rulebook
from kpcheck.rulebook.schema import DATE

KINDS = ("durable", "python")
PROVISIONAL_NOTE = (
    "Note: the working-day calendar for {years} is provisional (no Government transfer decree known yet); the deadline may still move."
)
MEMO_SIZE = 4096
_PRESENTED = Ref("presented_on", DATE, ("presented_on",))


def default_kind() -> str:
    return "durable" if durable.AVAILABLE else "python"


def describe_default() -> str:
    """Which evaluator runs by default here, for ``kpcheck --version``."""
    if durable.AVAILABLE:
        return f"durable (durable_rules {durable.version()})"
    return "python (durable_rules is not installed here; pip install 'kpcheck[durable]' on Python 3.10-3.12 for it)"


class EngineError(RuntimeError):
    """The engine failed on a submission; the submission gets status ``error``."""


class EngineUnavailable(EngineError):
    """The evaluator asked for does not run on this Python (durable_rules imports on 3.10-3.12)."""


class InternalFailure(EngineError):
    """kpcheck's own code failed on a submission (a bug, reported as such, never a crash)."""


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    title: str
    message: str
    fields: tuple[str, ...]
    legal_basis: tuple[dict[str, Any], ...]
    waived: dict[str, str] | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotApplicable:
    rule: str
    reason: str


@dataclass
class Evaluation:
    """Both lists in rule id order (the engine keeps its rules in that order)."""

    findings: list[Finding] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)


@dataclass
class _Compiled:
    rule: Rule
    condition: Node
    test: Any
    applies: list[tuple[Any, str]]
    dated: bool = False  # texts by date: read on the rule's day


def in_force_node(rule: Rule) -> Node:
    """``presented_on`` within the rule's dates in force, as a condition."""
    parts = [Compare(_PRESENTED, "at_least", rule.spec.in_force.from_)]
    if rule.spec.in_force.to:
        parts.append(Compare(_PRESENTED, "at_most", rule.spec.in_force.to))
    return All(tuple(parts))


@dataclass(frozen=True)
class _ForcePeriods:
    """The periods between the days any rule's force starts or ends (``cuts``, ordinals), and
    those in which every rule is in force (``whole``): decisions memoised for one day of such a
    period hold for every day of it. Not ``usable`` when a rule reads ``presented_on`` beyond
    its dates in force: the memo is then keyed by the day, as it is outside those periods."""

    cuts: tuple[int, ...] = ()
    whole: frozenset[int] = frozenset()
    usable: bool = False

    def of(self, day: dt.date) -> int | None:
        if not self.usable:
            return None
        period = bisect_right(self.cuts, day.toordinal())
        return period if period in self.whole else None


def _force_periods(compiled: list[_Compiled]) -> _ForcePeriods:
    if any(
        ref.name == _PRESENTED.name
        for c in compiled
        for tree in (c.condition, *(n for n, _ in c.rule.applies))
        for node in walk(tree)
        for ref in refs_of(node)
    ):
        return _ForcePeriods()
    spans = [
        (c.rule.spec.in_force.from_.toordinal(), c.rule.spec.in_force.to.toordinal() + 1 if c.rule.spec.in_force.to else None)
        for c in compiled
    ]
    cuts = tuple(sorted({day for span in spans for day in span if day is not None}))
    bounds: list[int | None] = [None, *cuts, None]  # period i: from bounds[i] to the day before bounds[i + 1]

    def in_force_throughout(period: int) -> bool:
        first, after = bounds[period], bounds[period + 1]
        return first is not None and all(start <= first and (end is None or (after is not None and after <= end)) for start, end in spans)

    return _ForcePeriods(cuts, frozenset(filter(in_force_throughout, range(len(cuts) + 1))), True)


class Engine:
    def __init__(self, book: Rulebook, reference: Reference, kind: str | None = None, scope: str = "submission"):
        self.book, self.reference = book, reference
        self.kind = kind or default_kind()
        if self.kind not in KINDS:
            raise ValueError(f"unknown engine {self.kind!r}; expected durable or python")
        if self.kind == "durable" and not durable.AVAILABLE:
            raise EngineUnavailable(
                "--engine durable is not available on this Python (durable_rules imports on "
                "Python 3.10-3.12 only); use --engine python, or leave --engine out"
            )
        self.projector = Projector(book, book.active(scope))
        self.compiled = []
        for rule in sorted(book.active(scope), key=lambda r: r.id):  # results list rules in id order
            condition = nnf(rule.condition)
            applies = [(compile_test(nnf(node)), reason) for node, reason in rule.applies]
            self.compiled.append(_Compiled(rule, condition, compile_test(condition), applies, rule.spec.has_dated()))
        # rules across submissions see a handful of small facts that repeat from one
        # submission to the next: their decisions are memoised (never the messages)
        self.memo: dict[Any, Any] | None = {} if scope == "batch" else None
        self.periods = _force_periods(self.compiled)
        flags: dict[str, Node] = {}  # applies_when tests handed to durable_rules as derived booleans
        try:  # compiled for both kinds, so that a rule durable_rules cannot take is refused either way
            whole = [
                (c.rule.id, durable.durable_rule(c.condition, [n for n, _ in c.rule.applies], in_force_node(c.rule), flags))
                for c in self.compiled
            ]
            expressions = {rule_id: durable.to_durable(node) for rule_id, node in whole}
        except durable.DurableError as exc:
            raise EngineError(str(exc)) from exc
        self.shared: dict[Any, Any] = {}  # immutable pieces of results, made once
        self.durable = None
        if self.kind == "durable" and self.compiled:
            try:
                self.durable = durable.DurableEvaluator(whole, expressions, flags)
            except durable.DurableError as exc:
                raise EngineError(str(exc)) from exc
        # check, the projection and decision in one function: for one submission (the batch
        # scope memoises by the fact), durable_rules' messages built in it from its locals
        fused = scope == "submission" and (self.kind == "python" or self.durable is not None)
        messages = self.durable.messages if self.durable is not None else None
        self.code = compile_rulebook(self.projector, rules_of(self.compiled), reference, NotApplicable, fused, messages)

    def evaluate(self, submission: Submission | None, batch: Any = None, plain: bool = False, lang: str = "en") -> Evaluation:
        """Findings and rules not applicable for one submission, their titles and messages in
        ``lang`` (a parameter of each evaluation: the engine holds no language); raises
        :class:`EngineError` (:class:`InternalFailure` for an unexpected exception, so that no
        input takes a run down).

        Rules across submissions (scope ``batch``) are evaluated on ``batch``, an
        :class:`~kpcheck.batch.xref.XrefView`, with ``submission`` None. ``plain`` runs the
        reference path instead of the compiled one (rule trees walked, for the tests).
        """
        try:
            return self._evaluate(submission, batch, plain, lang)
        except EngineError:
            raise
        except Exception as exc:
            raise InternalFailure(internal_error("checking", exc)) from exc

    def _evaluate(self, submission: Submission | None, batch: Any, plain: bool, lang: str) -> Evaluation:
        values: tuple[Any, ...] = ()
        raw: dict[str, Any] | None = None
        if not plain and self.code.check is not None and submission is not None:
            # one submission: projection and decision in one generated function (with
            # durable_rules, its messages too), the fact made as a dict only when a rule triggers
            presented_on = submission.presented_on
            fire = self.durable.fire if self.durable is not None else None
            try:
                hits, misses, values, made, fired = self.code.check(submission, presented_on.toordinal(), fire)
            except durable.DurableError as exc:
                raise EngineError(str(exc)) from exc
            triggered, skipped = self._decided(hits, misses, presented_on, fired)
            if not triggered:
                return Evaluation([], skipped)
            fact: dict[str, Any] = made or {}
        else:
            if plain:
                fact, raw = self.projector.project(submission, self.reference, batch)
            else:
                fact, values = self.code.project(submission, batch)
            presented_on = submission.presented_on if submission is not None else batch.fields["presented_on"]
            decide = self.decide_plain if plain else self.decide
            if self.memo is not None:
                period = self.periods.of(presented_on)
                if period is None:
                    key: Any = (presented_on, tuple(sorted(fact.items())))
                else:  # every rule in force: the day does not matter, only the period
                    key = (period, tuple(sorted(item for item in fact.items() if item[0] != "presented_on")))
                decided = self.memo.get(key)
                if decided is None:
                    if len(self.memo) >= MEMO_SIZE:
                        self.memo.clear()
                    decided = self.memo[key] = decide(fact, presented_on)
            else:
                decided = decide(fact, presented_on)
            triggered, skipped = decided
            if not triggered:
                return Evaluation([], list(skipped))
        if raw is None:  # the values by name, for the messages: only a submission with findings needs them
            raw = self.code.raw(values, batch)
        findings = [self.finding(c, fact, raw, submission, lang) for c in triggered]
        return Evaluation(findings, list(skipped))

    def decide(self, fact: dict[str, Any], presented_on: dt.date) -> tuple[list[_Compiled], list[NotApplicable]]:
        """Which rules trigger and which do not apply: a pure function of the fact and the date."""
        fired = None
        if self.durable is not None:
            try:
                fired = self.durable.fired(fact)
            except durable.DurableError as exc:
                raise EngineError(str(exc)) from exc
        hits, misses = self.code.decide(fact, presented_on.toordinal(), fired)
        return self._decided(hits, misses, presented_on, fired)

    def _decided(
        self, hits: list[int], misses: list[Any], presented_on: dt.date, fired: set[str] | None
    ) -> tuple[list[_Compiled], list[NotApplicable]]:
        """The generated code's decision (rule indexes, not-applicable objects) as rules."""
        compiled = self.compiled
        skipped: list[NotApplicable] = []
        for miss in misses:
            if miss.__class__ is tuple:  # not in force on the day: worded with the dates
                c = compiled[miss[0]]
                miss = NotApplicable(c.rule.id, self.out_of_force(c, presented_on) or "")
            if fired is not None and miss.rule in fired:
                raise EngineError(f"durable_rules fired {miss.rule}, which does not apply ({miss.reason})")
            skipped.append(miss)
        return [compiled[i] for i in hits], skipped

    def decide_plain(self, fact: dict[str, Any], presented_on: dt.date) -> tuple[list[_Compiled], list[NotApplicable]]:
        """The reference decision: every rule tree walked by the plain Python evaluator."""
        triggered, skipped = [], []
        for c in self.compiled:
            reason = self.not_applicable(c, presented_on, fact)
            if reason is not None:
                skipped.append(NotApplicable(c.rule.id, reason))
            elif c.test(fact):
                triggered.append(c)
        return triggered, skipped

    @staticmethod
    def out_of_force(c: _Compiled, on: dt.date) -> str | None:
        """Why the rule does not apply on ``on`` when it is not in force that day, else None."""
        spec = c.rule.spec.in_force
        if on < spec.from_ or (spec.to is not None and on > spec.to):  # dates compare in C
            until = f" to {spec.to.isoformat()}" if spec.to else ""
            return f"not in force on {on.isoformat()} (in force from {spec.from_.isoformat()}{until})"
        return None

    @classmethod
    def not_applicable(cls, c: _Compiled, on: dt.date, fact: dict[str, Any]) -> str | None:
        reason = cls.out_of_force(c, on)
        if reason is not None:
            return reason
        for test, reason in c.applies:
            if not test(fact):
                return reason
        return None

    def finding(self, c: _Compiled, fact: dict[str, Any], raw: dict[str, Any], sub: Submission | None, lang: str = "en") -> Finding:
        spec = c.rule.spec
        fields = tuple(spec.fields) if spec.fields else tuple(explain(c.condition, fact))
        day = Dated((), reading_days(spec.reference_date)).day(raw) if c.dated else None
        title, template = spec.message_on(day, lang)
        message = render(template, c.rule, raw, sub, lang)
        notes = self.calendar_notes(c.rule, raw, lang)
        if notes:
            message = " ".join((message, *notes))
        basis = self.shared.get((spec.id, day))
        if basis is None:
            basis = self.shared[spec.id, day] = tuple(b.model_dump() for b in spec.legal_basis_on(day))
        return Finding(spec.id, spec.severity.value, title, message, fields, basis, notes=notes)

    def calendar_notes(self, rule: Rule, raw: dict[str, Any], lang: str = "en") -> tuple[str, ...]:
        """A note when the working days a rule counted cross a provisional calendar year."""
        days: list[dt.date] = []
        for ref in rule.lets.values():
            let = self.book.lets.get(ref.name)
            if let is None or let.item_of is not None or not FACTS[let.fact].calendar:
                continue
            values = [raw.get(arg.name) for _, arg in let.args if isinstance(arg, Ref)] + [raw.get(let.key)]
            days += [v for v in values if isinstance(v, dt.date)]
        years = self.reference.calendar.provisional_years(min(days), max(days)) if days else []
        if not years:
            return ()
        return (gettext_for(lang)(PROVISIONAL_NOTE).format(years=", ".join(map(str, years))),)
