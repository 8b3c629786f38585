"""Running every rule's examples, and what they cover: legal provisions and dates in force.

:func:`run_examples` runs every example of a rulebook on every evaluator available and
records the date each example is presented on. :func:`coverage` turns that run into the
view the legal staff ask for: for each act and provision cited, the rules that implement
it, whether all their examples pass on both evaluators with a passing triggering and clean
example, and whether examples stand on each side of the rule's dates in force.

Retired rules are run as they were while in force (the engines evaluate active rules only),
so that their examples keep documenting what they did.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpcheck.engine import Engine, durable
from kpcheck.reference.queries import load_reference
from kpcheck.rulebook.loader import Rule, Rulebook
from kpcheck.rulebook.rulefile import Status
from kpcheck.tooling.examples import ExampleResult, run_rule_examples

BEFORE, IN_FORCE, AFTER = "before", "in_force", "after"


def engine_kinds() -> list[str]:
    """The evaluators this machine can run: the Python reference, and durable_rules where it imports."""
    return ["python"] + (["durable"] if durable.AVAILABLE else [])


def as_tested(book: Rulebook) -> Rulebook:
    """The rulebook with its retired rules active again, so that their examples can run."""
    rules = [
        r if r.spec.status is Status.ACTIVE else dataclasses.replace(r, spec=r.spec.model_copy(update={"status": Status.ACTIVE}))
        for r in book.rules
    ]
    return dataclasses.replace(book, rules=rules)


def engines_for(book: Rulebook, registers: str | Path | None = None, scope: str = "submission") -> dict[str, Engine]:
    """One engine per evaluator kind; raises ReferenceDataError or EngineError."""
    reference = load_reference(book.directory, Path(registers) if registers else None)
    return {k: Engine(book, reference, k, scope=scope) for k in engine_kinds()}


@dataclass
class ExampleRun:
    """The results of every example on every evaluator, and each example's presentation date."""

    results: list[ExampleResult]
    dates: dict[tuple[str, str], dt.date | None]  # (rule id, example name) -> presented_on
    engines: tuple[str, ...]

    def of(self, rule_id: str) -> list[ExampleResult]:
        return [r for r in self.results if r.rule == rule_id]

    def outcomes(self, rule_id: str, example: str) -> dict[str, ExampleResult]:
        return {r.engine: r for r in self.results if r.rule == rule_id and r.example == example}


def run_examples(book: Rulebook, registers: str | Path | None = None) -> ExampleRun:
    """Every example of every rule (retired ones included) on every evaluator available."""
    tested = as_tested(book)
    single, batch = engines_for(tested, registers), engines_for(tested, registers, "batch")
    results: list[ExampleResult] = []
    dates: dict[tuple[str, str], dt.date | None] = {}
    for rule in tested.rules:
        ran = run_rule_examples(rule, tested, single if rule.spec.scope == "submission" else batch)
        results.extend(ran)
        for result in ran:
            dates[(rule.id, result.example)] = result.presented_on
    return ExampleRun(results, dates, tuple(engine_kinds()))


def sides(rule: Rule, dates: list[dt.date]) -> dict[str, bool]:
    """Whether some example is presented before, within, and (with a ``to``) after the dates in force."""
    start, end = rule.spec.in_force.from_, rule.spec.in_force.to
    out = {BEFORE: any(d < start for d in dates), IN_FORCE: any(start <= d and (end is None or d <= end) for d in dates)}
    if end is not None:
        out[AFTER] = any(d > end for d in dates)
    return out


def side_text(rule: Rule, side: str) -> str:
    """What an example on ``side`` of a rule's dates in force is presented on, in words."""
    f = rule.spec.in_force
    return {
        BEFORE: f"before {f.from_.isoformat()}",
        IN_FORCE: f"on or after {f.from_.isoformat()}" + (f" and on or before {f.to.isoformat()}" if f.to else ""),
        AFTER: f"after {f.to.isoformat() if f.to else ''}",
    }[side]


@dataclass(frozen=True)
class RuleCoverage:
    rule: str
    status: str
    examples: int
    passed: bool  # every example gave its expected outcome on every evaluator
    triggers_passed: bool  # a triggering example passed on every evaluator
    clean_passed: bool  # a clean example passed on every evaluator
    sides: dict[str, bool]
    missing: tuple[str, ...]  # the sides of the dates in force without an example, in words
    failed: tuple[str, ...] = ()  # the examples that did not behave as declared

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "status": self.status,
            "examples": self.examples,
            "passed": self.passed,
            "triggers_passed": self.triggers_passed,
            "clean_passed": self.clean_passed,
            "before_in_force": self.sides[BEFORE],
            "in_force": self.sides[IN_FORCE],
            "after_in_force": self.sides.get(AFTER),
            "missing": list(self.missing),
            "failed": list(self.failed),
        }


@dataclass(frozen=True)
class ProvisionCoverage:
    act: str
    provision: str
    confirmed: bool
    rules: tuple[RuleCoverage, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"act": self.act, "provision": self.provision, "confirmed": self.confirmed, "rules": [r.as_dict() for r in self.rules]}


@dataclass
class Coverage:
    provisions: list[ProvisionCoverage]
    rules: dict[str, RuleCoverage] = field(default_factory=dict)

    @property
    def missing_sides(self) -> list[RuleCoverage]:
        """Rules whose dates in force lack an example on some side."""
        return [c for c in self.rules.values() if c.missing]

    def as_dict(self) -> dict[str, Any]:
        return {
            "provisions": [p.as_dict() for p in self.provisions],
            "rules_missing_examples": [{"rule": c.rule, "missing": list(c.missing)} for c in self.missing_sides],
        }


def rule_coverage(rule: Rule, run: ExampleRun) -> RuleCoverage:
    results = run.of(rule.id)
    by_example: dict[str, list[ExampleResult]] = {}
    for r in results:
        by_example.setdefault(r.example, []).append(r)
    passing = {name for name, rs in by_example.items() if all(r.passed for r in rs)}
    expects = {e.name: e.expect for e in rule.spec.examples}
    dates = [d for (rid, _), d in run.dates.items() if rid == rule.id and d is not None]
    got = sides(rule, dates)
    return RuleCoverage(
        rule.id,
        rule.spec.status.value,
        len(rule.spec.examples),
        len(passing) == len(by_example) > 0,
        any(expects.get(n) == "triggers" for n in passing),
        any(expects.get(n) == "clean" for n in passing),
        got,
        tuple(side_text(rule, s) for s, ok in got.items() if not ok),
        tuple(n for n in by_example if n not in passing),
    )


def coverage(book: Rulebook, run: ExampleRun) -> Coverage:
    """Per (act, provision) cited, the rules implementing it and how well their examples cover them."""
    rules = {r.id: rule_coverage(r, run) for r in book.rules}
    cited: dict[tuple[str, str], list[str]] = {}
    confirmed: dict[tuple[str, str], bool] = {}
    for rule in book.rules:
        for basis in rule.spec.legal_basis:
            key = (basis.act.strip(), basis.provision.strip())
            if rule.id not in cited.setdefault(key, []):
                cited[key].append(rule.id)
            confirmed[key] = basis.confirmed
    provisions = [
        ProvisionCoverage(act, provision, confirmed[(act, provision)], tuple(rules[r] for r in sorted(ids)))
        for (act, provision), ids in sorted(cited.items())
    ]
    return Coverage(provisions, rules)
