"""Rule examples: building their submissions and running them on both evaluators.

An example names a base submission of the rulebook (``bases/<base>.json``) and a change,
a mapping of field paths to new values (``certificate.lines[0].carats: 0``; ``null``
clears a value), or gives a whole ``submission``. It expects the rule to trigger, to stay
clean (evaluated, no finding) or not to apply.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from kpcheck.input.reader import Loaded, jsonable, parse_json
from kpcheck.rulebook.loader import Rule, Rulebook
from kpcheck.rulebook.rulefile import DEFAULT_BASE, Example

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class ExampleError(ValueError):
    """An example that cannot be built (unknown base, bad path)."""


@dataclass(frozen=True)
class ExampleResult:
    rule: str
    example: str
    engine: str
    expected: str
    actual: str
    detail: str = ""
    presented_on: dt.date | None = None  # of the submission (the first of a batch) it is about
    found: Any = field(default=None, compare=False, repr=False)  # (findings, not applicable) as evaluated

    @property
    def passed(self) -> bool:
        return self.expected == self.actual

    @property
    def test_id(self) -> str:
        return f"{self.rule}:{self.expected}:{self.example}"


def apply_change(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set one dotted path (with ``[i]`` list indexes) in a JSON document, creating mappings."""
    steps = [name if name else int(index) for name, index in _STEP.findall(path)]
    if not steps:
        raise ExampleError(f"empty change path {path!r}")
    node: Any = doc
    for step, nxt in itertools.pairwise(steps):
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                raise ExampleError(f"{path}: no list item [{step}]")
            node = node[step]
            continue
        if not isinstance(node, dict):
            raise ExampleError(f"{path}: '{step}' is not inside a mapping")
        if node.get(step) is None:
            node[step] = [] if isinstance(nxt, int) else {}
        node = node[step]
    last = steps[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last > len(node):
            raise ExampleError(f"{path}: no list item [{last}]")
        if last == len(node):
            node.append(value)
        else:
            node[last] = value
    else:
        node[last] = value


def load_base(book: Rulebook, name: str) -> dict[str, Any]:
    path = book.directory / "bases" / f"{name}.json"
    if not path.is_file():
        raise ExampleError(f"unknown base {name!r} (no {path})")
    base: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return base


def build(book: Rulebook, example: Example, source: str) -> Loaded:
    """The submission of an example, read exactly as a submission file would be."""
    if example.submission is not None:
        doc = jsonable(example.submission)
    else:
        doc = copy.deepcopy(load_base(book, example.base))
        for path, value in (example.change or {}).items():
            apply_change(doc, path, jsonable(value))
    return parse_json(json.dumps(doc).encode(), source)


def outcome(rule_id: str, evaluation: Any) -> str:
    if any(f.rule == rule_id for f in evaluation.findings):
        return "triggers"
    if any(n.rule == rule_id for n in evaluation.not_applicable):
        return "not_applicable"
    return "clean"


def build_batch(book: Rulebook, example: Example, source: str) -> list[Loaded]:
    """The submissions of a batch example; the example's expectation is about the first."""
    out = []
    for i, item in enumerate(example.batch or []):
        part = Example(
            name=f"{example.name}[{i}]",
            expect=example.expect,
            base=item.get("base", DEFAULT_BASE),
            change=item.get("change"),
            submission=item.get("submission"),
        )
        out.append(build(book, part, f"{source}[{i}]"))
    return out


def _subject(book: Rulebook, rule: Rule, example: Example) -> tuple[Any, Any, str]:
    """(what the engine evaluates, the submission the expectation is about, why it could not be built).

    For a rule on one submission that is the submission; for a rule across submissions
    (``scope: batch``) it is the first submission's view of the batch's XREF index.
    """
    from kpcheck.batch.xref import XrefView, build_index, key_of

    source = f"{rule.file}#{example.name}"
    try:
        loaded = build_batch(book, example, source) if rule.spec.scope == "batch" else [build(book, example, source)]
    except (ExampleError, ValueError) as exc:
        return None, None, str(exc)
    broken = [item for item in loaded if item.submission is None]
    if not loaded or broken:
        return None, None, str(broken[0].error) if broken else "an example batch needs submissions"
    first = loaded[0].submission
    if rule.spec.scope != "batch":
        return first, first, ""
    keys = [key_of(item.submission, item.source) for item in loaded if item.submission is not None]
    index = build_index(keys)
    index.searched = ("(the example's batch)",)
    return XrefView(keys[0], index), first, ""


def run_rule_examples(rule: Rule, book: Rulebook, engines: dict[str, Any]) -> list[ExampleResult]:
    """Every example of one rule on every engine given (name -> Engine of the rule's scope)."""
    return [result for example in rule.spec.examples for result in run_example(rule, example, book, engines)]


def run_example(rule: Rule, example: Example, book: Rulebook, engines: dict[str, Any]) -> list[ExampleResult]:
    """One example of one rule on every engine given, whatever the rule's scope."""
    subject, first, detail = _subject(book, rule, example)
    on = first.presented_on if first is not None else None
    results = []
    for name, engine in engines.items():
        actual, why, findings = "error", detail, None
        if subject is not None:
            try:
                evaluation = engine.evaluate(None, subject) if rule.spec.scope == "batch" else engine.evaluate(subject)
                actual, findings = outcome(rule.id, evaluation), (evaluation.findings, evaluation.not_applicable)
            except Exception as exc:
                why = str(exc)
        results.append(ExampleResult(rule.id, example.name, name, example.expect, actual, why, on, findings))
    return results
