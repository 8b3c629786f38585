"""The annual statistics (:mod:`kpcheck.stats.compute`) as text, Markdown, CSV and JSON.

Text and Markdown print the tables as the annual report does: amounts to two decimals with
thousands separators and ``-`` where there was none, then what was left out. CSV and JSON give
plain numbers (no separators; an empty cell or ``null`` where there was none); CSV holds both
tables in one row per year, so what was left out is for the caller to report.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from rich.table import Table
from rich.text import Text

from kpcheck.report.text import SafeConsole
from kpcheck.stats.compute import CENT, Flow, Stats, YearFigures

NONE = "-"
TITLE_1 = "Table 1. Production, import and export of rough diamonds"
TITLE_2 = "Table 2. Number of KP certificates"
HEAD_1 = (
    "Year",
    "Production, carats",
    "Production, US$",
    "Import, carats",
    "Import, US$",
    "Import, US$/ct",
    "Export, carats",
    "Export, US$",
    "Export, US$/ct",
)
HEAD_2 = ("Year", "Import", "Export", "Total")
CSV_HEAD = (
    "year",
    "production_carats",
    "production_usd",
    "import_carats",
    "import_usd",
    "import_usd_per_ct",
    "export_carats",
    "export_usd",
    "export_usd_per_ct",
    "kpc_import",
    "kpc_export",
    "kpc_total",
)
TEXT_WIDTH = 200  # wide enough for table 1 when the output is not a terminal


def cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def shown(value: Decimal | None, grouped: bool = True) -> str:
    """An amount as printed: ``1,250.50``, or ``-``; without separators when not ``grouped``."""
    value = cents(value)
    if value is None:
        return NONE
    return f"{value:,.2f}" if grouped else f"{value:.2f}"


def flow_figures(flow: Flow) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Carats, US$ and US$/ct of a direction; all None when no certificate was counted."""
    if not flow.certificates:
        return None, None, None
    return flow.carats, flow.value_usd, flow.usd_per_ct


def table1_figures(row: YearFigures) -> list[Decimal | None]:
    production = row.production
    return [
        production.carats if production else None,
        production.value_usd if production else None,
        *flow_figures(row.imports),
        *flow_figures(row.exports),
    ]


def table2_figures(row: YearFigures) -> list[int]:
    return [row.imports.certificates, row.exports.certificates, row.certificates]


def table1_cells(stats: Stats, grouped: bool = True) -> list[list[str]]:
    return [[str(row.year), *(shown(v, grouped) for v in table1_figures(row))] for row in stats.years]


def table2_cells(stats: Stats) -> list[list[str]]:
    return [[str(row.year), *(f"{n:,}" if n else NONE for n in table2_figures(row))] for row in stats.years]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def notes(stats: Stats) -> list[str]:
    """What the tables leave out, and the basis of the figures, as sentences."""
    left = stats.left_out
    out = []
    dropped = [
        _plural(left.unreadable, "submission with status error (unreadable)", "submissions with status error (unreadable)"),
        _plural(left.duplicate_requests, "duplicate request", "duplicate requests"),
    ]
    if left.undated:
        dropped.append(_plural(left.undated, "export without a date of issue", "exports without a date of issue"))
    out.append("Left out: " + ", ".join(dropped) + ".")
    out.append(
        "Counted once: " + _plural(left.repeated, "further presentation", "further presentations") + " of a certificate already counted."
    )
    if left.outside:
        out.append(f"Outside {stats.year_from}-{stats.year_to}: " + _plural(left.outside, "certificate", "certificates") + ".")
    if not stats.has_production:
        out.append("Production: no production file given.")
    return out


def period(stats: Stats) -> str:
    if stats.year_from is None:
        return "no years"
    return str(stats.year_from) if stats.year_from == stats.year_to else f"{stats.year_from}-{stats.year_to}"


# --- text (rich) -------------------------------------------------------------------------------


def _rich_table(title: str, head: tuple[str, ...], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", header_style="bold")
    for name in head:
        table.add_column(name.replace(", ", "\n"), justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def render_text(stats: Stats, stream: IO[str]) -> None:
    isatty = getattr(stream, "isatty", None)
    width = None if isatty is not None and isatty() else TEXT_WIDTH
    console = SafeConsole(file=stream, width=width, soft_wrap=False, highlight=False)
    console.print(Text(f"KP annual statistics, section E: {period(stats)}", style="bold"))
    console.print()
    console.print(_rich_table(TITLE_1, HEAD_1, table1_cells(stats)))
    console.print()
    console.print(_rich_table(TITLE_2, HEAD_2, table2_cells(stats)))
    console.print()
    for note in notes(stats):
        console.print(Text(note, style="dim"))


# --- Markdown ----------------------------------------------------------------------------------


def _markdown_table(head: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_markdown(stats: Stats, stream: IO[str]) -> None:
    lines = [f"## KP annual statistics, section E: {period(stats)}", "", f"### {TITLE_1}", ""]
    lines += _markdown_table(HEAD_1, table1_cells(stats))
    lines += ["", f"### {TITLE_2}", ""]
    lines += _markdown_table(HEAD_2, table2_cells(stats))
    lines += [""] + [f"- {note}" for note in notes(stats)]
    stream.write("\n".join(lines) + "\n")


# --- CSV and JSON ------------------------------------------------------------------------------


def render_csv(stats: Stats, stream: IO[str]) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_HEAD)
    for row in stats.years:
        plain = ["" if v is None else shown(v, grouped=False) for v in table1_figures(row)]
        writer.writerow([row.year, *plain, *table2_figures(row)])


_RAW = "\u2063dec:"  # marks an exact amount for render_json to write as a bare JSON number
_RAW_VALUE = re.compile('"' + _RAW + r'(-?[0-9]+\.[0-9]{2})"')


def _raw_decimal(value: Any) -> str:
    """json.dumps' ``default``: a Decimal as marked text, unmarked into a bare number below."""
    if isinstance(value, Decimal):
        return f"{_RAW}{value:.2f}"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def stats_to_dict(stats: Stats) -> dict[str, Any]:
    """The JSON document: both tables (amounts as Decimal to the cent, None where there was none),
    what was left out."""
    table1 = []
    for row in stats.years:
        f = [cents(v) for v in table1_figures(row)]
        table1.append(
            {
                "year": row.year,
                "production": {"carats": f[0], "value_usd": f[1]},
                "import": {"carats": f[2], "value_usd": f[3], "usd_per_ct": f[4]},
                "export": {"carats": f[5], "value_usd": f[6], "usd_per_ct": f[7]},
            }
        )
    table2 = [dict(zip(("year", "import", "export", "total"), (row.year, *table2_figures(row)))) for row in stats.years]
    left = stats.left_out
    return {
        "years": {"from": stats.year_from, "to": stats.year_to},
        "production_file": stats.has_production,
        "table1": table1,
        "table2": table2,
        "submissions_read": stats.submissions,
        "left_out": {"error": left.unreadable, "duplicate_requests": left.duplicate_requests, "undated_exports": left.undated},
        "counted_once": {"repeated_presentations": left.repeated},
        "outside_years": left.outside,
    }


def render_json(stats: Stats, stream: IO[str]) -> None:
    text = json.dumps(stats_to_dict(stats), indent=2, ensure_ascii=False, default=_raw_decimal)
    stream.write(_RAW_VALUE.sub(r"\1", text) + "\n")


RENDERERS: dict[str, Callable[[Stats, IO[str]], None]] = {
    "text": render_text,
    "markdown": render_markdown,
    "csv": render_csv,
    "json": render_json,
}
FORMATS = tuple(RENDERERS)
