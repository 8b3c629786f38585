"""``kpcheck report annual``: the KP annual report for a year, drafted from the register or from files."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import click

from kpcheck.cli.console import LazyGroup, error, lang_option, located, say, verbosity_options, warning
from kpcheck.cli.exits import EXIT_ERROR, EXIT_OK, Failed
from kpcheck.cli.outputs import output_stream, refuse_clashes
from kpcheck.cli.register import due_period_options


@click.group(cls=LazyGroup)
@verbosity_options
def report() -> None:
    """Reports drawn up from the register or from files."""


def _today() -> dt.date:
    return dt.date.today()


@report.command()
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option("--year", type=click.IntRange(1900, 2200), required=True, metavar="YEAR", help="The year reported on.")
@click.option("--register", "register", metavar="URL", help="Draw it up from this certificate register (instead of SOURCE...).")
@click.option(
    "--production",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Production per year for section E: CSV (year,carats,value) or YAML, as for stats.",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="The ministry's texts of sections A-H (YAML; default: the shipped example annual-report.yaml).",
)
@click.option("--format", "fmt", type=click.Choice(["html", "markdown", "docx"]), default="html", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output (needed for docx).")
@lang_option("Language of the report.")
@click.option("--rules", type=click.Path(file_okay=False), help="Rulebook folder (default: the shipped one).")
@click.option("--reference", type=click.Path(file_okay=False), help="Folder of registers replacing the shipped example ones.")
@due_period_options
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes auditing SOURCE...")
@verbosity_options
def annual(
    sources: tuple[str, ...],
    year: int,
    register: str | None,
    production: str | None,
    template: str | None,
    fmt: str,
    output: str | None,
    lang: str,
    rules: str | None,
    reference: str | None,
    coupon_days: int,
    receipt_days: int,
    jobs: int,
) -> int:
    """The KP annual report for YEAR in the template's order A-H, as a draft to edit.

    From the register (--register): section E counts its certificates, section G its decisions
    of the year and the open items overdue at the year's end. From files (SOURCE...): section E
    counts them as stats does and section G audits them (with both, E counts both and G is the
    register's). Sections A, B, D, F and H come from
    the template; B and C also list the rulebook's acts and regime rules in force in YEAR."""
    from kpcheck.annual.build import ReportInputs, draw_up
    from kpcheck.annual.template import TemplateError, load_template
    from kpcheck.api import Checker, RulebookInvalid
    from kpcheck.register.errors import RegisterError
    from kpcheck.register.periods import NoDuplicateDeadline
    from kpcheck.stats.compute import ProductionFileError, load_production

    if not sources and not register:
        raise click.UsageError(say("give SOURCE... or --register URL"))
    if fmt == "docx" and output is None and sys.stdout.isatty():
        raise click.UsageError(say("a DOCX report is written to a file: --output FILE"))
    refuse_clashes([(say("annual report"), output)], sources)
    missing = [s for s in sources if not Path(s).exists()]
    for source in missing:
        error(f"{source}: {say('no such file or folder')}")
    if missing:
        raise Failed()
    try:
        texts = load_template(template)
        figures = load_production(production) if production is not None else None
        checker = Checker.load(rules, reference, "python" if register else None, lang=lang)
    except (TemplateError, ProductionFileError) as exc:
        error(f"{located(exc)}; {say('no report was drawn up')}")
        raise Failed() from None
    except RulebookInvalid as exc:
        for problem in exc.errors:
            error(located(problem))
        raise Failed(say("the rulebook or reference data does not load; no report was drawn up")) from None
    options = {"rules": rules, "registers": reference, "engine": checker.engine.kind, "lang": lang}
    as_of = min(dt.date(year, 12, 31), _today())
    inputs = ReportInputs(year, lang, texts, checker, figures, as_of, coupon_days, receipt_days, options)
    try:
        drawn = draw_up(inputs, register, list(sources), jobs)
    except (RegisterError, NoDuplicateDeadline) as exc:
        raise Failed(f"{located(exc)}; {say('no report was drawn up')}") from None
    for message in drawn.unreadable:
        warning(say("left out, unreadable: {message}", message=message))
    _write(drawn.report, fmt, output)
    return EXIT_ERROR if drawn.unreadable else EXIT_OK


def _write(report: object, fmt: str, output: str | None) -> None:
    from kpcheck.annual.compute import AnnualReport
    from kpcheck.annual.render import TEXT_RENDERERS, render_docx

    assert isinstance(report, AnnualReport)
    with output_stream(output, "annual report") as stream:
        if fmt == "docx":
            data = io.BytesIO()
            render_docx(report, data)
            stream.flush()
            stream.buffer.write(data.getvalue())  # type: ignore[attr-defined]
        else:
            TEXT_RENDERERS[fmt](report, stream)
