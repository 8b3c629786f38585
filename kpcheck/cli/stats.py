"""``kpcheck stats``: the annual statistics of section E of the KP annual report."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

import click

from kpcheck.cli.console import Command, error, lang_option, language, located, say, verbosity_options, warning
from kpcheck.cli.exits import EXIT_ERROR, EXIT_OK, Failed
from kpcheck.cli.outputs import output_stream, refuse_clashes
from kpcheck.input.reader import Loaded, read_sources
from kpcheck.register.errors import RegisterError
from kpcheck.stats.compute import Production, ProductionFileError, Stats, compute_stats, load_production
from kpcheck.stats.render import FORMATS, RENDERERS, notes


def _unread(item: Loaded) -> str:
    """``source: why`` of a submission that did not read, in the command's language (what
    kpcheck words itself; a reader's or the operating system's text as it is)."""
    if item.error is None:
        return f"{item.source}: {say('unreadable')}"
    from kpcheck.i18n import gettext_for

    return f"{item.error.location}: {item.error.message_in(gettext_for(language()))}"


def _report_left_out(result: Stats, fmt: str) -> None:
    """Read errors on stderr; for CSV, which has no room for them, the notes too."""
    for item in result.left_out.unread:
        warning(say("left out, unreadable: {message}", message=_unread(item)))
    if result.left_out.unreadable > len(result.left_out.unread):
        warning(say("and {n} more unreadable submission(s)", n=result.left_out.unreadable - len(result.left_out.unread)))
    if fmt == "csv":
        for note in notes(result, language()):
            warning(note)


@click.command(cls=Command)
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option(
    "--register", "register", metavar="URL", help="Take the submissions from this certificate register (instead of, or besides, SOURCE...)."
)
@click.option(
    "--from",
    "year_from",
    type=click.IntRange(1900, 2200),
    metavar="YEAR",
    help="First year shown (default: the first year with a certificate).",
)
@click.option(
    "--to", "year_to", type=click.IntRange(1900, 2200), metavar="YEAR", help="Last year shown (default: the last year with a certificate)."
)
@click.option(
    "--production",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Production per year: CSV (year,carats,value) or YAML; without it production is '-'.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@lang_option("Language of the messages and of the statistics in text and Markdown (CSV and JSON keep their column names and keys).")
@verbosity_options
def stats(
    sources: tuple[str, ...],
    register: str | None,
    year_from: int | None,
    year_to: int | None,
    production: str | None,
    fmt: str,
    output: str | None,
    lang: str,
) -> int:
    """Annual statistics of SOURCE... (KP annual report, section E).

    Per year the import and export volume (carats), value (US$) and US$/ct, and the number of
    KP certificates. Each certificate counts once: exports in the year of issue, imports in the
    year presented. Unreadable submissions (exit 2) and duplicate requests are left out. No rule is run.
    """
    if not sources and not register:
        raise click.UsageError(say("give SOURCE... or --register URL"))
    if year_from is not None and year_to is not None and year_from > year_to:
        raise Failed(say("--from {first} is after --to {last}", first=year_from, last=year_to))
    refuse_clashes([(say("statistics"), output)], sources)
    missing = [s for s in sources if not Path(s).exists()]
    if missing:
        for source in missing:
            error(f"{source}: {say('no such file or folder')}")
        raise Failed()
    figures: dict[int, Production] | None = None
    if production is not None:
        try:
            figures = load_production(production)
        except ProductionFileError as exc:
            error(located(exc))
            error(say("the production file does not load; no statistics were made"))
            raise Failed() from None
    loaded: Iterable[Loaded] = read_sources(sources)
    if register:
        from kpcheck.cli.register import register_loaded

        loaded = itertools.chain(register_loaded(register), loaded)
    try:
        result = compute_stats(loaded, year_from, year_to, figures)
    except RegisterError as exc:
        raise Failed(f"{located(exc)}; {say('no statistics were made')}") from None
    _report_left_out(result, fmt)
    with output_stream(output, "statistics") as stream:
        RENDERERS[fmt](result, stream, lang)
    return EXIT_ERROR if result.left_out.unreadable else EXIT_OK
