"""``kpcheck rules``: the rulebook for the legal staff who keep it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpcheck.cli.console import VERBOSE, LazyGroup, error, lang_option, verbosity, verbosity_options, warning
from kpcheck.cli.exits import EXIT_FAIL, EXIT_OK, Failed
from kpcheck.cli.outputs import output_stream
from kpcheck.engine import EngineError
from kpcheck.i18n import gettext_for
from kpcheck.input.yamlio import dump_yaml, load_yaml
from kpcheck.problems import Level
from kpcheck.reference.queries import ReferenceDataError
from kpcheck.report.text import basis_text, print_trimmed
from kpcheck.rulebook.loader import RULES_DIR, Rulebook, collect_rulebook
from kpcheck.tooling.coverage import ExampleRun, coverage, run_examples
from kpcheck.tooling.docs import FORMATS, render
from kpcheck.tooling.examples_explain import explain_failures
from kpcheck.tooling.examples_render import print_results, run_as_dict, run_as_junit
from kpcheck.tooling.export import ExportError, export_rulebook
from kpcheck.tooling.lint import count_line, counts, lint, select, summarise
from kpcheck.tooling.lint_render import as_json, as_sarif, located
from kpcheck.tooling.lint_render import render as render_problem

out = Console(highlight=False)
WIDE = 10_000  # piped or written to a file, lines are as long as their content: no word is split


def _console() -> Console:
    """Standard output: the terminal's width there, no wrapping at all into a pipe or a file."""
    return out if out.is_terminal else Console(highlight=False, width=WIDE, no_color=out.no_color)


def _print(console: Console, renderable: Any) -> None:
    if console.is_terminal:
        console.print(renderable)
    else:
        print_trimmed(console, renderable)


def _book(directory: str | None, lang: str = "en") -> Rulebook | None:
    book, errors = collect_rulebook(Path(directory) if directory else RULES_DIR)
    for problem in errors:
        error(located(problem, lang))
    return None if errors else book


def _dates(rule: Any) -> str:
    f = rule.spec.in_force
    return f"{f.from_.isoformat()} – {f.to.isoformat() if f.to else ''}".strip()


@click.group(cls=LazyGroup, lazy={"impact": "kpcheck.cli.impact:impact", "explain": "kpcheck.cli.explain:explain"})
@verbosity_options
def rules() -> None:
    """The rulebook: list it, show one rule, run its examples, lint it, write it out as a document."""


@rules.command("list")
@click.option("--rules", "directory", type=click.Path(file_okay=False), help="Rulebook folder.")
@verbosity_options
def list_rules(directory: str | None) -> None:
    """Every rule with its family, severity, dates in force and legal basis."""
    book = _book(directory)
    if book is None:
        raise Failed()
    console = _console()
    table = Table(
        title=f"Rulebook {book.version} ({len(book.rules)} rules)",
        show_lines=False,
        expand=console.is_terminal,
        title_justify="left",
        box=box.HEAVY_HEAD if console.is_terminal else box.SIMPLE_HEAD,
    )
    for name in ("Rule", "Family", "Severity", "Status", "In force", "Title", "Legal basis"):
        table.add_column(name, no_wrap=name in ("Rule", "Family", "Severity", "Status", "In force"))
    for rule in book.rules:
        spec = rule.spec
        table.add_row(
            spec.id,
            rule.family,
            spec.severity.value,
            spec.status.value,
            _dates(rule),
            spec.title,
            basis_text([b.model_dump() for b in spec.legal_basis]),
        )
    _print(console, table)


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "directory", type=click.Path(file_okay=False), help="Rulebook folder.")
@verbosity_options
def show_rule(rule_id: str, directory: str | None) -> None:
    """One rule in full: basis, dates, applicability, message, examples, and its file."""
    book = _book(directory)
    if book is None:
        raise Failed()
    rule = book.get(rule_id.upper())
    if rule is None:
        error(f"no rule {rule_id}; `kpcheck rules list` shows them all")
        raise Failed()
    spec = rule.spec
    out.print(Text(f"{spec.id}  {spec.title}", style="bold"))
    rows = [
        ("Family", rule.family),
        ("Severity", spec.severity.value),
        ("Status", spec.status.value),
        ("In force", _dates(rule)),
        ("File", str(rule.file)),
        ("Legal basis", basis_text([b.model_dump() for b in spec.legal_basis])),
        ("Applies when", "; ".join(f"otherwise not applicable: {a.reason}" for a in spec.applies_when) or "always"),
        ("Message", spec.message),
    ]
    if spec.replaced_by:
        rows.append(("Replaced by", spec.replaced_by))
    for lang, t in spec.translations.items():
        rows.append((f"Message ({lang})", t.message or ""))
    console = _console()
    for label, value in rows:
        console.print(Text(f"{label:>14}: ", style="bold") + Text(value), soft_wrap=not console.is_terminal)
    doc = load_yaml(rule.file)
    for key in ("let", "condition"):
        if key in doc:
            out.print(Text(f"{key.capitalize()}:", style="bold"))
            out.print(Text(dump_yaml(doc[key]).rstrip("\n"), style="cyan"), soft_wrap=True)  # never re-wrapped
    out.print(Text("Examples:", style="bold"))
    for ex in spec.examples:
        if ex.batch is not None:
            what = f"a batch of {len(ex.batch)} submissions"
        elif ex.submission is not None:
            what = "a whole submission"
        else:
            what = (
                ", ".join(f"{k} = {json.dumps(v, default=str, ensure_ascii=False)}" for k, v in (ex.change or {}).items())
                or "the base unchanged"
            )
        out.print(f"  - {ex.name} [{ex.expect}] from {ex.base}: {what}", markup=False, soft_wrap=True)


_lang_option = lang_option("Language of the messages (en, ru, kk).")


def _directory(directory: str | None, rules_option: str | None) -> Path:
    given = directory or rules_option
    return Path(given) if given else RULES_DIR


def _run(book: Rulebook) -> ExampleRun | None:
    try:
        return run_examples(book)
    except (ReferenceDataError, EngineError) as exc:
        error(str(exc))
        return None


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--rules", "rules_option", type=click.Path(file_okay=False), help="Rulebook folder.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True, help="How to report the results."
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option(
    "--coverage",
    "with_coverage",
    is_flag=True,
    help="Also show, per legal act and provision, the rules implementing it and their examples.",
)
@click.option(
    "--explain/--no-explain",
    "with_explanations",
    default=True,
    show_default=True,
    help="Explain each failing example: its clauses with the values read, derived facts (working days one by one), result.",
)
@_lang_option
@verbosity_options
def test_rules(
    directory: str | None, rules_option: str | None, fmt: str, output: str | None, with_coverage: bool, with_explanations: bool, lang: str
) -> int:
    """Run every rule's examples on both engines (the Python one only where durable_rules does not import); exit 1 when one fails.

    Shows the failures, each with its explanation, then the counts; -v also lists every example that passed."""
    book = _book(str(_directory(directory, rules_option)), lang)
    run = _run(book) if book is not None else None
    if book is None or run is None:
        return EXIT_FAIL
    cover = coverage(book, run) if with_coverage else None
    if "durable" not in run.engines:
        warning("durable_rules does not run on this Python (it imports on 3.10-3.12): the examples ran on the Python evaluator only")
    explanations = explain_failures(book, run, lang=lang) if with_explanations and verbosity() >= 0 else {}
    with output_stream(output, "example results") as stream:
        if fmt == "json":
            stream.write(json.dumps(run_as_dict(book, run, cover, explanations), indent=2, ensure_ascii=False) + "\n")
        elif fmt == "junit":
            stream.write(run_as_junit(run, cover, explanations))
        else:
            console = Console(file=stream, highlight=False, width=160, no_color=True) if output else _console()
            print_results(console, run, cover, passed=verbosity() >= VERBOSE, explanations=explanations, lang=lang)
    return EXIT_FAIL if any(not r.passed for r in run.results) else EXIT_OK


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """Codes given as repeated options, or comma- or space-separated (as in the environment)."""
    return tuple(c for v in values for c in v.replace(",", " ").split())


@rules.command("lint")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--rules", "rules_option", type=click.Path(file_okay=False), help="Rulebook folder.")
@click.option(
    "--reference",
    "registers",
    type=click.Path(exists=True, file_okay=False),
    help="Registers folder (default: the shipped example registers).",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="The day the calendar's horizon is measured from (default: today).",
)
@click.option(
    "--select",
    "chosen",
    multiple=True,
    metavar="CODE",
    envvar="KPCHECK_LINT_SELECT",
    help="Report only these codes (or prefixes: LNT2), repeatable or comma-separated.",
)
@click.option(
    "--ignore",
    "ignored",
    multiple=True,
    metavar="CODE",
    envvar="KPCHECK_LINT_IGNORE",
    help="Do not report these codes (or prefixes), repeatable or comma-separated.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True, help="How to report the problems."
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@_lang_option
@verbosity_options
def lint_rules(
    directory: str | None,
    rules_option: str | None,
    registers: str | None,
    today: dt.datetime | None,
    chosen: tuple[str, ...],
    ignored: tuple[str, ...],
    fmt: str,
    output: str | None,
    lang: str,
) -> int:
    """Everything wrong with a rulebook, as file:line:col: level: message [CODE].

    Warnings that concern many rules (provisions to be confirmed, translations owed or in
    draft) are summarised in one line each; -v lists each. --format json or sarif (SARIF 2.1.0,
    for review tooling) lists every problem. Exit 0 when clean (warnings alone included), 1 when
    there are errors (of the codes selected), 2 on a usage error.
    """
    folder = _directory(directory, rules_option)
    if not (folder / "rulebook.yaml").is_file():
        error(f"{folder}: {gettext_for(lang)('no rulebook.yaml; not a rulebook folder')}")
        raise Failed()
    problems = select(lint(folder, registers, today.date() if today else dt.date.today()), _codes(chosen), _codes(ignored))
    errors, _warnings = counts(problems)
    if fmt != "text":
        doc = as_sarif(problems, lang) if fmt == "sarif" else as_json(problems, lang)
        with output_stream(output, "lint report") as stream:
            stream.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return EXIT_FAIL if errors else EXIT_OK
    if verbosity() < VERBOSE:
        problems = summarise(problems, folder / "rulebook.yaml")
    with output_stream(output, "lint report") as stream:
        if verbosity() >= 0 or errors:
            for problem in problems:
                if verbosity() >= 0 or problem.level is Level.ERROR:
                    stream.write(render_problem(problem, lang) + "\n")
            stream.write(count_line(problems, lang) + "\n")
    return EXIT_FAIL if errors else EXIT_OK


@rules.command("export")
@click.argument("target", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty (files of the same name are replaced).")
@verbosity_options
def export_rules(target: str, force: bool) -> None:
    """Write a copy of the shipped rulebook (rules, reference data, bases, a README) into TARGET,
    for legal staff to amend and use with --rules TARGET."""
    try:
        written = export_rulebook(Path(target), force)
    except ExportError as exc:
        raise Failed(str(exc)) from None
    if verbosity() >= 0:
        out.print(f"wrote {len(written)} files to {target}; check them with: kpcheck rules lint {target}", markup=False)


@rules.command("docs")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--rules", "rules_option", type=click.Path(file_okay=False), help="Rulebook folder.")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="FILE.md or FILE.html (default: Markdown on standard output)."
)
@lang_option("Language of the document (rule texts, acts, headings).")
@verbosity_options
def docs_rules(directory: str | None, rules_option: str | None, output: str | None, lang: str) -> None:
    """The rulebook as a document for people, grouped by legal act, with its examples run."""
    fmt = FORMATS.get(Path(output).suffix.lower()) if output else "markdown"
    if fmt is None:
        raise click.BadParameter("the file name must end in .md or .html", param_hint="--output")
    book = _book(str(_directory(directory, rules_option)), lang)
    if book is None:
        raise Failed()
    try:
        text = render(book, fmt, lang=lang)
    except (ReferenceDataError, EngineError) as exc:
        raise Failed(str(exc)) from None
    if output is None:
        click.echo(text, nl=False)
        return
    with output_stream(output, "rulebook document") as stream:
        stream.write(text)
    if verbosity() >= 0:
        out.print(f"wrote {output}", markup=False)


@rules.command("fields")
@_lang_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the document to FILE.")
def fields_doc(lang: str, output: str | None) -> int:
    """Every field of a submission: path, type, whether required, meaning, Russian and Kazakh
    label, an example (docs/submission-format.md is this, in English)."""
    from kpcheck.serve.fields import render

    with output_stream(output, "submission format") as stream:
        stream.write(render(lang))
    return EXIT_OK
