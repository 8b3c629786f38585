"""``kpcheck stats``: the annual statistics of section E of the KP annual report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kpcheck.cli.console import verbosity_options, error, output_stream, warning
from kpcheck.input.reader import read_sources
from kpcheck.stats.compute import Production, ProductionFileError, Stats, compute_stats, load_production
from kpcheck.stats.render import FORMATS, RENDERERS, notes

EXIT_OK, EXIT_ERROR = 0, 2


def _report_left_out(result: Stats, fmt: str) -> None:
    """Read errors on stderr; for CSV, which has no room for them, the notes too."""
    for message in result.left_out.errors:
        warning(f"left out, unreadable: {message}")
    if result.left_out.unreadable > len(result.left_out.errors):
        warning(f"and {result.left_out.unreadable - len(result.left_out.errors)} more unreadable submission(s)")
    if fmt == "csv":
        for note in notes(result):
            warning(note)


@click.command()
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--from", "year_from", type=click.IntRange(1900, 2200), metavar="YEAR",
              help="First year shown (default: the first year with a certificate).")
@click.option("--to", "year_to", type=click.IntRange(1900, 2200), metavar="YEAR",
              help="Last year shown (default: the last year with a certificate).")
@click.option("--production", type=click.Path(dir_okay=False), metavar="FILE",
              help="Production per year: CSV (year,carats,value) or YAML; without it production is '-'.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@verbosity_options
def stats(sources: tuple[str, ...], year_from: int | None, year_to: int | None, production: str | None,
          fmt: str, output: str | None) -> None:
    """Annual statistics of SOURCE... (KP annual report, section E).

    Per year the import and export volume (carats), value (US$) and US$/ct, and the number of
    KP certificates. Each certificate counts once: exports in the year of issue, imports in the
    year presented. Unreadable submissions and duplicate requests are left out. No rule is run.
    """
    if year_from is not None and year_to is not None and year_from > year_to:
        error(f"--from {year_from} is after --to {year_to}")
        sys.exit(EXIT_ERROR)
    missing = [s for s in sources if not Path(s).exists()]
    if missing:
        for source in missing:
            error(f"{source}: no such file or folder")
        sys.exit(EXIT_ERROR)
    figures: dict[int, Production] | None = None
    if production is not None:
        try:
            figures = load_production(production)
        except ProductionFileError as exc:
            error(f"{exc}")
            error("the production file does not load; no statistics were made")
            sys.exit(EXIT_ERROR)
    result = compute_stats(read_sources(sources), year_from, year_to, figures)
    _report_left_out(result, fmt)
    with output_stream(output) as stream:
        RENDERERS[fmt](result, stream)
    sys.exit(EXIT_OK)
