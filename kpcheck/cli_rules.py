"""``kpcheck rules``: the rulebook for the legal staff who keep it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpcheck.console import error
from kpcheck.engine import Engine, durable
from kpcheck.examples import ExampleResult, run_batch_examples, run_rule_examples
from kpcheck.reference import ReferenceDataError, load_reference
from kpcheck.report.text import basis_text
from kpcheck.rulebook import RULES_DIR, Rulebook, collect_rulebook
from kpcheck.yamlio import dump_yaml, load_yaml

out = Console(highlight=False)


def _book(directory: str | None) -> Rulebook | None:
    book, errors = collect_rulebook(Path(directory) if directory else RULES_DIR)
    for problem in errors:
        error(str(problem))
    return None if errors else book


def _dates(rule: Any) -> str:
    f = rule.spec.in_force
    return f"{f.from_.isoformat()} – {f.to.isoformat() if f.to else ''}".strip()


@click.group()
def rules() -> None:
    """The rulebook: list it, show one rule, run every rule's examples."""


@rules.command("list")
@click.option("--rules", "directory", type=click.Path(file_okay=False), help="Rulebook folder.")
def list_rules(directory: str | None) -> None:
    """Every rule with its family, severity, dates in force and legal basis."""
    book = _book(directory)
    if book is None:
        sys.exit(2)
    table = Table(title=f"Rulebook {book.version} ({len(book.rules)} rules)", show_lines=False, expand=True)
    for name in ("Rule", "Family", "Severity", "Status", "In force", "Title", "Legal basis"):
        table.add_column(name, overflow="fold")
    for rule in book.rules:
        spec = rule.spec
        table.add_row(spec.id, rule.family, spec.severity.value, spec.status.value, _dates(rule), spec.title,
                      basis_text([b.model_dump() for b in spec.legal_basis]))
    out.print(table)


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "directory", type=click.Path(file_okay=False), help="Rulebook folder.")
def show_rule(rule_id: str, directory: str | None) -> None:
    """One rule in full: basis, dates, applicability, message, examples, and its file."""
    book = _book(directory)
    if book is None:
        sys.exit(2)
    rule = book.get(rule_id.upper())
    if rule is None:
        error(f"no rule {rule_id}; `kpcheck rules list` shows them all")
        sys.exit(2)
    spec = rule.spec
    out.print(Text(f"{spec.id}  {spec.title}", style="bold"))
    rows = [("Family", rule.family), ("Severity", spec.severity.value), ("Status", spec.status.value),
            ("In force", _dates(rule)), ("File", str(rule.file)),
            ("Legal basis", basis_text([b.model_dump() for b in spec.legal_basis])),
            ("Applies when", "; ".join(f"otherwise not applicable: {a.reason}" for a in spec.applies_when) or "always"),
            ("Message", spec.message)]
    if spec.replaced_by:
        rows.append(("Replaced by", spec.replaced_by))
    for lang, t in spec.translations.items():
        rows.append((f"Message ({lang})", t.message or ""))
    for label, value in rows:
        out.print(Text(f"{label:>14}: ", style="bold"), Text(value))
    doc = load_yaml(rule.file)
    for key in ("let", "condition"):
        if key in doc:
            out.print(Text(f"{key.capitalize()}:", style="bold"))
            out.print(Text(dump_yaml(doc[key]), style="cyan"))
    out.print(Text("Examples:", style="bold"))
    for ex in spec.examples:
        if ex.batch is not None:
            what = f"a batch of {len(ex.batch)} submissions"
        elif ex.submission is not None:
            what = "a whole submission"
        else:
            what = ", ".join(f"{k} = {json.dumps(v, default=str, ensure_ascii=False)}"
                             for k, v in (ex.change or {}).items()) or "the base unchanged"
        out.print(f"  - {ex.name} [{ex.expect}] from {ex.base or 'compliant-export'}: {what}", markup=False)


def engines_for(book: Rulebook, registers: str | None = None, scope: str = "submission") -> dict[str, Engine]:
    reference = load_reference(book.directory, Path(registers) if registers else None)
    kinds = ["python"] + (["durable"] if durable.AVAILABLE else [])
    return {k: Engine(book, reference, k, scope=scope) for k in kinds}


def run_all_examples(book: Rulebook, registers: str | None = None) -> list[ExampleResult]:
    """Every example of every rule (retired ones included), on both evaluators."""
    single, batch = engines_for(book, registers), engines_for(book, registers, "batch")
    results: list[ExampleResult] = []
    for rule in book.rules:
        if rule.spec.scope == "submission":
            results.extend(run_rule_examples(rule, book, single))
        else:
            results.extend(run_batch_examples(rule, book, batch))
    return results


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--rules", "rules_option", type=click.Path(file_okay=False), help="Rulebook folder.")
def test_rules(directory: str | None, rules_option: str | None) -> None:
    """Run every rule's examples on both engines; exit 1 when one fails."""
    book = _book(directory or rules_option)
    if book is None:
        sys.exit(1)
    try:
        results = run_all_examples(book)
    except ReferenceDataError as exc:
        error(str(exc))
        sys.exit(1)
    failed = [r for r in results if not r.passed]
    for r in results:
        mark = Text("passed", style="green") if r.passed else Text("FAILED", style="bold red")
        detail = "" if r.passed else f" (got {r.actual}{': ' + r.detail if r.detail else ''})"
        out.print(Text(f"{r.test_id} [{r.engine}] "), mark, Text(detail))
    out.print(Text(f"{len(results) - len(failed)} passed, {len(failed)} failed", style="bold"))
    sys.exit(1 if failed else 0)
