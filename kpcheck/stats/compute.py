"""Annual statistics: the two tables of section E of the KP annual report.

Table 1 gives per year the production, import and export volumes (carats), values (US$) and
US$/ct; table 2 the number of KP certificates (import, export, total). Each distinct
(direction, certificate number) counts once — numbers compared normalised (upper case, no
spaces or hyphens), the first presentation read counting — with the sum of its lines, in the
year of ``issued_on`` for an export and of ``presented_on`` for an import. Unreadable
submissions (status ``error``) and duplicate requests are left out and counted. No rule is run.

The computation streams: it holds one key per distinct certificate and one sum per year and
direction. Production comes from an optional file (:func:`load_production`), CSV or YAML with
``year``, ``carats`` and ``value`` per year.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kpcheck.i18n.labels import N_
from kpcheck.input.models import Submission
from kpcheck.input.reader import Loaded
from kpcheck.input.text import normalise_number
from kpcheck.input.yamlio import YamlSyntaxError, load_yaml_text, node_location, value_location
from kpcheck.problems import KpcheckError, Location

CENT = Decimal("0.01")
_MAX_ERRORS_KEPT = 5


@dataclass
class Flow:
    """One direction in one year: certificates counted and the sums of their lines."""

    carats: Decimal = Decimal(0)
    value_usd: Decimal = Decimal(0)
    certificates: int = 0

    @property
    def usd_per_ct(self) -> Decimal | None:
        """Value over volume, to the cent; None without carats."""
        if not self.carats:
            return None
        return (self.value_usd / self.carats).quantize(CENT, rounding=ROUND_HALF_UP)

    def add(self, sub: Submission) -> None:
        self.certificates += 1
        for line in sub.certificate.lines or ():
            self.carats += line.carats or 0
            self.value_usd += line.value_usd or 0


@dataclass(frozen=True)
class Production:
    """A year's production as given in the production file; None where the file has none."""

    carats: Decimal | None = None
    value_usd: Decimal | None = None


@dataclass
class YearFigures:
    """One row of both tables."""

    year: int
    production: Production | None
    imports: Flow
    exports: Flow

    @property
    def certificates(self) -> int:
        return self.imports.certificates + self.exports.certificates


@dataclass
class LeftOut:
    """What the tables do not count, and why."""

    unreadable: int = 0  # status error: could not be read
    duplicate_requests: int = 0
    repeated: int = 0  # later presentations of a certificate already counted
    undated: int = 0  # an export without issued_on
    outside: int = 0  # certificates of years outside --from/--to
    unread: list[Loaded] = field(default_factory=list)  # the first few that did not read, for stderr

    @property
    def errors(self) -> list[str]:
        """The first few read errors, as written (English)."""
        return [str(item.error) if item.error else f"{item.source}: unreadable" for item in self.unread]


@dataclass
class Stats:
    """Both tables, ``years`` in ascending order from ``year_from`` to ``year_to``."""

    year_from: int | None
    year_to: int | None
    years: list[YearFigures]
    left_out: LeftOut
    submissions: int
    has_production: bool


class ProductionFileError(KpcheckError):
    """The production file does not load; ``location`` is file:line[:col]. The message is a
    template (an English msgid with ``{names}``) and its arguments, said in the command's language."""

    code = "STA001"

    def __init__(self, location: Location | str, template: str, **args: object):
        super().__init__(location, template=template, args={name: str(value) for name, value in args.items()})


def statistical_year(sub: Submission) -> int | None:
    """The year a certificate counts in: ``issued_on`` for exports, ``presented_on`` for imports."""
    if sub.direction == "export":
        return sub.certificate.issued_on.year if sub.certificate.issued_on else None
    return sub.presented_on.year


def compute_stats(
    loaded: Iterable[Loaded], year_from: int | None = None, year_to: int | None = None, production: Mapping[int, Production] | None = None
) -> Stats:
    """Both tables of section E over a stream of read submissions."""
    seen: set[tuple[str, str]] = set()
    flows: dict[tuple[int, str], Flow] = {}
    left = LeftOut()
    total = 0
    for item in loaded:
        total += 1
        _count(item, seen, flows, left, year_from, year_to)
    first, last = _span(year_from, year_to, {y for y, _ in flows}, set(production or ()))
    years = (
        []
        if first is None or last is None
        else [
            YearFigures(y, (production or {}).get(y), flows.get((y, "import"), Flow()), flows.get((y, "export"), Flow()))
            for y in range(first, last + 1)
        ]
    )
    return Stats(first, last, years, left, total, production is not None)


def _count(
    item: Loaded, seen: set[tuple[str, str]], flows: dict[tuple[int, str], Flow], left: LeftOut, year_from: int | None, year_to: int | None
) -> None:
    sub = item.submission
    if sub is None:
        left.unreadable += 1
        if len(left.unread) < _MAX_ERRORS_KEPT:
            left.unread.append(item)
        return
    if sub.duplicate is not None:
        left.duplicate_requests += 1
        return
    year = statistical_year(sub)
    if year is None:
        left.undated += 1
        return
    key = (sub.direction, normalise_number(sub.certificate.number) or "")
    if key in seen:
        left.repeated += 1
        return
    seen.add(key)
    if (year_from is not None and year < year_from) or (year_to is not None and year > year_to):
        left.outside += 1
        return
    flows.setdefault((year, sub.direction), Flow()).add(sub)


def _span(year_from: int | None, year_to: int | None, counted: set[int], produced: set[int]) -> tuple[int | None, int | None]:
    """The years shown: as given, else the span of the certificates (else of the production)."""
    present = counted or produced
    if year_from is None and year_to is None:
        return (min(present), max(present)) if present else (None, None)
    first = year_from if year_from is not None else min(present | ({year_to} if year_to is not None else set()))
    last = year_to if year_to is not None else max(present | ({year_from} if year_from is not None else set()))
    return first, last


# --- the production file ---------------------------------------------------------------------


def load_production(path: str | Path) -> dict[int, Production]:
    """Production per year from a CSV (header ``year,carats,value``) or YAML file (a list of
    ``{year, carats, value}``, or such a list under ``production``). Raises
    :class:`ProductionFileError` naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, OSError):
            raise ProductionFileError(str(path), N_("cannot read the production file ({reason})"), reason=exc.strerror) from None
        raise ProductionFileError(str(path), N_("cannot read the production file (not UTF-8 text)")) from None
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(text, str(path))
    elif path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(text, str(path))
    else:
        raise ProductionFileError(str(path), N_("the production file must be .csv, .yaml or .yml"))
    out: dict[int, Production] = {}
    for where, row in rows:
        year, figures = _production_row(row, where)
        if year in out:
            raise ProductionFileError(where, N_("year {year} is given twice"), year=year)
        out[year] = figures
    return out


_COLUMNS = {"year": "year", "carats": "carats", "value": "value", "value_usd": "value"}


def _csv_rows(text: str, file: str) -> list[tuple[Location, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in _COLUMNS]
    if unknown:
        raise ProductionFileError(
            Location(file, 1), N_("unknown column {column}; expected the header year,carats,value"), column=repr(unknown[0])
        )
    if "year" not in header:
        raise ProductionFileError(Location(file, 1), N_("no 'year' column; expected the header year,carats,value"))
    rows = []
    for raw in reader:
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue
        if None in raw:
            raise ProductionFileError(Location(file, reader.line_num), N_("more cells than columns"))
        row = {_COLUMNS[k.strip().lower()]: (v.strip() if isinstance(v, str) else v) for k, v in raw.items()}
        rows.append((Location(file, reader.line_num), row))
    return rows


def _yaml_rows(text: str, file: str) -> list[tuple[Location, dict[str, Any]]]:
    try:
        doc = load_yaml_text(text, file)
    except YamlSyntaxError as exc:
        raise ProductionFileError(exc.location, N_("invalid YAML: {message}"), message=exc.message) from None
    if isinstance(doc, Mapping) and set(doc) == {"production"}:
        doc = doc["production"]
    if not isinstance(doc, list):
        raise ProductionFileError(
            node_location(doc, file) if doc is not None else Location(file),
            N_("expected a list of {year, carats, value}, or one under 'production'"),
        )
    rows = []
    for index, entry in enumerate(doc):
        where = value_location(doc, index, file)
        if not isinstance(entry, Mapping):
            raise ProductionFileError(where, N_("expected a mapping {year, carats, value}"))
        unknown = [k for k in entry if str(k) not in _COLUMNS]
        if unknown:
            raise ProductionFileError(where, N_("unknown key {key}; expected year, carats, value"), key=repr(unknown[0]))
        rows.append((where, {_COLUMNS[str(k)]: v for k, v in entry.items()}))
    return rows


def _production_row(row: Mapping[str, Any], where: Location) -> tuple[int, Production]:
    year = row.get("year")
    text = "" if year is None or isinstance(year, bool) else str(year).strip()
    year_int = int(text) if text.isascii() and text.isdigit() else None
    if year_int is None or not 1900 <= year_int <= 2200:
        raise ProductionFileError(where, N_("year must be a four-digit year, got {value}"), value=repr(year))
    return year_int, Production(_amount(row.get("carats"), "carats", where), _amount(row.get("value"), "value", where))


MAX_AMOUNT = Decimal(10) ** 15  # carats or US$ of a year: beyond any country's, and within exact arithmetic
_GROUPING = re.compile(r"[ \u00a0\u202f\u2009_']")  # spaces people group digits with, and _ '


def _numeral(text: str, name: str, value: Any, where: Location) -> str:
    """``text`` as Decimal reads it: a decimal comma made a point; thousands grouped by commas
    (or points) read where nothing else can be meant (``1,000.5``, ``1.000,5``, ``1,000,000``);
    a lone comma before three digits (``1,000``: a thousand, or one?) refused with a hint."""
    if "," not in text and text.count(".") < 2:
        return text
    point = max(text.rfind(","), text.rfind("."))
    mark = text[point]
    both = "," in text and "." in text
    if both or text.count(mark) > 1:  # grouping: the other mark (or every mark, when there is no decimal part)
        grouping = ("." if mark == "," else ",") if both else mark
        whole, decimal = (text[:point], text[point + 1 :]) if both else (text, "")
        if _GROUPED.match(whole.replace(grouping, ",")) and (not decimal or decimal.isdigit()):
            return whole.replace(grouping, "") + (f".{decimal}" if decimal else "")
        raise ProductionFileError(where, N_("{name} must be a number, got {value}"), name=name, value=repr(value))
    whole, fraction = text[:point], text[point + 1 :]
    if len(fraction) == 3 and fraction.isdigit() and whole.lstrip("-").isdigit():
        raise ProductionFileError(
            where,
            N_(
                "{name} {value} is ambiguous: the comma may separate thousands or decimals; "
                "write the number without thousands separators, with a decimal comma or point (1000 or 1000,5)"
            ),
            name=name,
            value=repr(value),
        )
    return f"{whole}.{fraction}"


_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+$")


def _amount(value: Any, name: str, where: Location) -> Decimal | None:
    """A non-negative decimal as the user wrote it; blank, null or ``-`` mean none. A decimal
    comma is read (``100,5`` is 100.5); digits grouped by spaces, or by commas where nothing
    else can be meant, are read (:func:`_numeral`); ``1,000`` is refused with a hint; no
    character is ever dropped unread. Above :data:`MAX_AMOUNT` is refused before anything is
    printed."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "-")):
        return None
    if isinstance(value, bool):
        raise ProductionFileError(where, N_("{name} must be a number, got {value}"), name=name, value=repr(value))
    text = _numeral(_GROUPING.sub("", str(value).strip()), name, value, where)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ProductionFileError(where, N_("{name} must be a number, got {value}"), name=name, value=repr(value)) from None
    if not amount.is_finite() or amount < 0:
        raise ProductionFileError(where, N_("{name} must be a number >= 0, got {value}"), name=name, value=repr(value))
    if amount > MAX_AMOUNT:
        raise ProductionFileError(
            where,
            N_("{name} {value} is too large for a year's production (at most {most})"),
            name=name,
            value=repr(value),
            most=f"10^{MAX_AMOUNT.adjusted()}",  # as every language writes it (no thousands separators to translate)
        )
    return amount
