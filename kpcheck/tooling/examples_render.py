"""The report of ``kpcheck rules test``: every example's result on every evaluator and, with
``--coverage``, the legal coverage (computed in :mod:`kpcheck.tooling.coverage`): text (rich),
JSON and JUnit XML."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import N_
from kpcheck.report.junit import attr, body
from kpcheck.rulebook.loader import Rulebook
from kpcheck.tooling.coverage import AFTER, BEFORE, IN_FORCE, Coverage, ExampleRun
from kpcheck.tooling.explain_render import explanation_lines

_OUTCOMES = {"triggers": N_("triggers"), "clean": N_("clean"), "not_applicable": N_("not applicable"), "error": N_("error")}


def print_results(
    console: Console,
    run: ExampleRun,
    cover: Coverage | None,
    passed: bool = True,
    explanations: dict[tuple[str, str], dict[str, Any]] | None = None,
    lang: str = "en",
) -> None:
    """The passed examples (a line per example and evaluator, only with ``passed``), the coverage
    tables, then the failures, each with its explanation when given, and last the counts."""
    _ = gettext_for(lang)
    failed = [r for r in run.results if not r.passed]
    for r in run.results:
        if r.passed and passed:
            console.print(Text.assemble(f"{r.test_id} [{r.engine}] ", Text(_("passed"), style="green")), soft_wrap=True)
    if cover is not None:
        print_coverage(console, cover)
    said: set[tuple[str, str]] = set()
    for r in failed:
        got = (
            _("expected {expected}, got {actual}")
            .replace("{expected}", _(_OUTCOMES[r.expected]))
            .replace("{actual}", _(_OUTCOMES.get(r.actual, r.actual)))
        )
        detail = f" ({got}{': ' + r.detail if r.detail else ''})"
        console.print(Text.assemble(f"{r.test_id} [{r.engine}] ", Text(_("FAILED"), style="bold red"), detail), soft_wrap=True)
        last = r is failed[-1] or (failed[failed.index(r) + 1].rule, failed[failed.index(r) + 1].example) != (r.rule, r.example)
        doc = (explanations or {}).get((r.rule, r.example))
        if last and doc is not None and (r.rule, r.example) not in said:
            said.add((r.rule, r.example))
            for line in explanation_lines(doc, lang):
                console.print(Text("    " + line), soft_wrap=True)
    summary = (
        _("{passed} passed, {failed} failed").replace("{passed}", str(len(run.results) - len(failed))).replace("{failed}", str(len(failed)))
    )
    console.print(Text(summary, style="bold"))


def _yes(flag: bool | None) -> Text:
    return Text("-") if flag is None else Text("✓", style="green") if flag else Text("✗", style="bold red")


def print_coverage(console: Console, cover: Coverage) -> None:
    """One table per legal act: each provision, the rules citing it, and how their examples cover them."""
    acts: dict[str, list[Any]] = {}
    for p in cover.provisions:
        acts.setdefault(p.act, []).append(p)
    for act, provisions in acts.items():
        table = Table(title=act, title_justify="left", title_style="bold", expand=True, box=box.SIMPLE_HEAD)
        table.add_column("Provision", ratio=1, overflow="fold")
        for name in ("Rule", "Ex.", "Pass", "Trig.", "Clean", "Before", "In", "After"):
            table.add_column(name, no_wrap=True)
        for p in provisions:
            provision = p.provision if p.confirmed else "TO BE CONFIRMED"
            for i, c in enumerate(p.rules):
                table.add_row(
                    provision if i == 0 else "",
                    c.rule,
                    str(c.examples),
                    _yes(c.passed),
                    _yes(c.triggers_passed),
                    _yes(c.clean_passed),
                    _yes(c.sides[BEFORE]),
                    _yes(c.sides[IN_FORCE]),
                    _yes(c.sides.get(AFTER)),
                )
        console.print(table)
    console.print(
        "Ex.: examples; Pass: all passed on every evaluator; Trig./Clean: a triggering / clean example "
        "passed; Before/In/After: an example presented before, within, after the dates in force."
    )
    if not cover.missing_sides:
        console.print("Every rule has an example on each side of its dates in force.")
    for c in cover.missing_sides:
        console.print(Text(f"{c.rule}: no example presented {'; '.join(c.missing)}", style="yellow"))


def run_as_dict(
    book: Rulebook, run: ExampleRun, cover: Coverage | None = None, explanations: dict[tuple[str, str], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The example run (and its coverage) as the JSON document of ``kpcheck rules test``."""
    failed = [r for r in run.results if not r.passed]
    explained = explanations or {}
    doc: dict[str, Any] = {
        "rulebook": {"version": book.version, "rules": len(book.rules)},
        "engines": list(run.engines),
        "summary": {"results": len(run.results), "passed": len(run.results) - len(failed), "failed": len(failed)},
        "results": [
            {
                "id": r.test_id,
                "rule": r.rule,
                "example": r.example,
                "engine": r.engine,
                "expected": r.expected,
                "actual": r.actual,
                "passed": r.passed,
                "detail": r.detail,
                **({"explanation": explained[r.rule, r.example]} if not r.passed and (r.rule, r.example) in explained else {}),
            }
            for r in run.results
        ],
    }
    if cover is not None:
        doc["coverage"] = cover.as_dict()
    return doc


def run_as_junit(run: ExampleRun, cover: Coverage | None = None, explanations: dict[tuple[str, str], dict[str, Any]] | None = None) -> str:
    """The example run as JUnit XML: one test case per example and evaluator."""
    failed = [r for r in run.results if not r.passed]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<testsuites>",
        f'  <testsuite name="kpcheck rules" tests="{len(run.results)}" failures="{len(failed)}" errors="0">',
    ]
    for r in run.results:
        case = f"    <testcase classname={attr('rules.' + r.rule)} name={attr(r.test_id + ' [' + r.engine + ']')}"
        if r.passed:
            lines.append(case + "/>")
            continue
        message = f"expected {r.expected}, got {r.actual}" + (f": {r.detail}" if r.detail else "")
        doc = (explanations or {}).get((r.rule, r.example))
        text = message + ("\n" + "\n".join(explanation_lines(doc)) if doc else "")
        lines += [case + ">", f'      <failure message={attr(message)} type="example">{body(text)}</failure>', "    </testcase>"]
    if cover is not None:
        lines.append(f"    <system-out>{body(chr(10).join(coverage_lines(cover)))}</system-out>")
    return "\n".join([*lines, "  </testsuite>", "</testsuites>"]) + "\n"


def coverage_lines(cover: Coverage) -> list[str]:
    """Coverage as plain lines: one per (act, provision, rule), then the rules missing a side."""
    out = []
    for p in cover.provisions:
        for c in p.rules:
            out.append(
                f"{p.act} | {p.provision} | {c.rule} | {'passed' if c.passed else 'FAILED'} | "
                f"{'no example ' + '; '.join(c.missing) if c.missing else 'examples on each side'}"
            )
    out += [f"{c.rule}: no example presented {'; '.join(c.missing)}" for c in cover.missing_sides]
    return out
