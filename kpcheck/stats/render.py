"""The annual statistics (:mod:`kpcheck.stats.compute`) as text, Markdown, CSV and JSON.

Text and Markdown print the tables as the annual report does: amounts to two decimals with
thousands separators and ``-`` where there was none, then what was left out; every word in the
language asked for (``lang``: en, ru, kk, through the interface catalogue), and in Russian and
Kazakh the numbers as the annual report writes them (``1 250,50``). CSV and JSON give plain
numbers (no separators; an empty cell or ``null`` where there was none) under English column
names and keys, whatever the language, as the audit's CSV and JSON do for the tools that read
them; CSV holds both tables in one row per year, so what was left out is for the caller to report.
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

from kpcheck.i18n import gettext_for, ngettext_for
from kpcheck.i18n.labels import N_
from kpcheck.problems import fill
from kpcheck.report.text import SafeConsole
from kpcheck.stats.compute import CENT, Flow, Stats, YearFigures

NONE = "-"
TITLE_1 = N_("Table 1. Production, import and export of rough diamonds")
TITLE_2 = N_("Table 2. Number of KP certificates")
HEAD_1 = (
    N_("Year"),
    N_("Production, carats"),
    N_("Production, US$"),
    N_("Import, carats"),
    N_("Import, US$"),
    N_("Import, US$/ct"),
    N_("Export, carats"),
    N_("Export, US$"),
    N_("Export, US$/ct"),
)
HEAD_2 = (N_("Year"), N_("Import"), N_("Export"), N_("Total"))
HEADING = N_("KP annual statistics, section E: {period}")
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


def shown(value: Decimal | None, grouped: bool = True, lang: str = "en") -> str:
    """An amount as printed: ``1,250.50``, or ``-``; without separators when not ``grouped``;
    in Russian and Kazakh (grouped) ``1 250,50``, a no-break space between the thousands."""
    value = cents(value)
    if value is None:
        return NONE
    if not grouped:
        return f"{value:.2f}"
    text = f"{value:,.2f}"
    return text if lang == "en" else text.replace(",", "\u00a0").replace(".", ",")


def counted(n: int, lang: str = "en") -> str:
    """A count as printed: ``1,250``; in Russian and Kazakh ``1 250``."""
    text = f"{n:,}"
    return text if lang == "en" else text.replace(",", "\u00a0")


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


def table1_cells(stats: Stats, grouped: bool = True, lang: str = "en") -> list[list[str]]:
    return [[str(row.year), *(shown(v, grouped, lang) for v in table1_figures(row))] for row in stats.years]


def table2_cells(stats: Stats, lang: str = "en") -> list[list[str]]:
    return [[str(row.year), *(counted(n, lang) if n else NONE for n in table2_figures(row))] for row in stats.years]


def notes(stats: Stats, lang: str = "en") -> list[str]:
    """What the tables leave out, and the basis of the figures, as sentences in ``lang``."""
    _, n_ = gettext_for(lang), ngettext_for(lang)

    def filled(text: str, n: int, **args: object) -> str:
        return fill(text, {"n": counted(n, lang), **{name: str(value) for name, value in args.items()}})

    left = stats.left_out
    out = []
    dropped = [
        filled(
            n_("{n} submission with status error (unreadable)", "{n} submissions with status error (unreadable)", left.unreadable),
            left.unreadable,
        ),
        filled(n_("{n} duplicate request", "{n} duplicate requests", left.duplicate_requests), left.duplicate_requests),
    ]
    if left.undated:
        dropped.append(filled(n_("{n} export without a date of issue", "{n} exports without a date of issue", left.undated), left.undated))
    out.append(fill(_("Left out: {items}."), {"items": ", ".join(dropped)}))
    repeated = n_(
        "Counted once: {n} further presentation of a certificate already counted.",
        "Counted once: {n} further presentations of a certificate already counted.",
        left.repeated,
    )
    out.append(filled(repeated, left.repeated))
    if left.outside:
        outside = n_("Outside {first}-{last}: {n} certificate.", "Outside {first}-{last}: {n} certificates.", left.outside)
        out.append(filled(outside, left.outside, first=stats.year_from, last=stats.year_to))
    if not stats.has_production:
        out.append(_("Production: no production file given."))
    return out


def period(stats: Stats, lang: str = "en") -> str:
    _ = gettext_for(lang)
    if stats.year_from is None:
        return _("no years")
    return str(stats.year_from) if stats.year_from == stats.year_to else f"{stats.year_from}-{stats.year_to}"


def heading(stats: Stats, lang: str = "en") -> str:
    """``KP annual statistics, section E: 2023-2024`` in ``lang``."""
    return fill(gettext_for(lang)(HEADING), {"period": period(stats, lang)})


# --- text (rich) -------------------------------------------------------------------------------


def _rich_table(title: str, head: tuple[str, ...], rows: list[list[str]], lang: str = "en") -> Table:
    # in Russian and Kazakh a title wider than its table (table 2's) stays on one line; English as it always was
    heading = title if lang == "en" else Text(title, no_wrap=True, overflow="ignore")
    table = Table(title=heading, title_justify="left", title_style="bold", header_style="bold")
    for name in head:
        table.add_column(name.replace(", ", "\n"), justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def render_text(stats: Stats, stream: IO[str], lang: str = "en") -> None:
    """Both tables and the notes, worded in ``lang``."""
    _ = gettext_for(lang)
    isatty = getattr(stream, "isatty", None)
    width = None if isatty is not None and isatty() else TEXT_WIDTH
    console = SafeConsole(file=stream, width=width, soft_wrap=False, highlight=False)
    console.print(Text(heading(stats, lang), style="bold"))
    console.print()
    console.print(_rich_table(_(TITLE_1), tuple(map(_, HEAD_1)), table1_cells(stats, lang=lang), lang))
    console.print()
    console.print(_rich_table(_(TITLE_2), tuple(map(_, HEAD_2)), table2_cells(stats, lang), lang))
    console.print()
    for note in notes(stats, lang):
        console.print(Text(note, style="dim"))


# --- Markdown ----------------------------------------------------------------------------------


def _markdown_table(head: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_markdown(stats: Stats, stream: IO[str], lang: str = "en") -> None:
    """Both tables and the notes, worded in ``lang``."""
    _ = gettext_for(lang)
    lines = [f"## {heading(stats, lang)}", "", f"### {_(TITLE_1)}", ""]
    lines += _markdown_table(tuple(map(_, HEAD_1)), table1_cells(stats, lang=lang))
    lines += ["", f"### {_(TITLE_2)}", ""]
    lines += _markdown_table(tuple(map(_, HEAD_2)), table2_cells(stats, lang))
    lines += [""] + [f"- {note}" for note in notes(stats, lang)]
    stream.write("\n".join(lines) + "\n")


# --- CSV and JSON ------------------------------------------------------------------------------


def render_csv(stats: Stats, stream: IO[str], lang: str = "en") -> None:
    """One row per year under :data:`CSV_HEAD`, in every language (``lang`` is not read)."""
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


def render_json(stats: Stats, stream: IO[str], lang: str = "en") -> None:
    """:func:`stats_to_dict`, in every language (``lang`` is not read: keys and numbers only)."""
    text = json.dumps(stats_to_dict(stats), indent=2, ensure_ascii=False, default=_raw_decimal)
    stream.write(_RAW_VALUE.sub(r"\1", text) + "\n")


RENDERERS: dict[str, Callable[[Stats, IO[str], str], None]] = {
    "text": render_text,
    "markdown": render_markdown,
    "csv": render_csv,
    "json": render_json,
}
FORMATS = tuple(RENDERERS)
