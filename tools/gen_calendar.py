"""Generate ``rules/reference/calendar-kz.yaml`` from the pinned ``holidays`` package.

The working-day calendar of Kazakhstan is the ``holidays`` package's ``is_working_day``
(Monday–Friday that is not a public holiday, a holiday moved off a weekend or a day off moved
by a Government transfer decree, plus the Saturdays and Sundays such decrees make working
days). This script writes it down once, per year, so that kpcheck loads the calendar without
importing ``holidays``. Corrections go to ``calendar-overrides.yaml``, never into the output.

Usage::

    python tools/gen_calendar.py            # (re)write the calendar file
    python tools/gen_calendar.py --check    # exit 1 if the shipped file differs from a fresh run
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import holidays

PINNED_VERSION = "0.109"
COUNTRY = "KZ"
FIRST_YEAR, LAST_YEAR = 2012, 2050
# The last year whose days off moved by a Government transfer decree are known and were checked
# (see the review in calendar-overrides.yaml). Later years are written down as the law's fixed
# holidays and the Labour Code's moves off a weekend give them, and marked provisional: a
# transfer decree may still move a day off. Raise it (an amendment) when a year's decree is in.
CONFIRMED_THROUGH = 2026
OUTPUT = Path(__file__).resolve().parents[1] / "rules" / "reference" / "calendar-kz.yaml"
WORKING_WEEKEND_NAME = "working day by transfer decree"
# The en_US label of a day off moved by a transfer decree: "Day off (substituted from 05/04/2024)".
SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")

HEADER = f"""\
# GENERATED FILE: do not edit by hand. Corrections go to calendar-overrides.yaml, which wins.
# The Kazakh working-day calendar, written down from the `holidays` package, version {PINNED_VERSION}:
#   holidays.country_holidays("{COUNTRY}", years=range({FIRST_YEAR}, {LAST_YEAR + 1}), language="en_US")
#   and its is_working_day().
# Regenerate with:  python tools/gen_calendar.py   (check with:  python tools/gen_calendar.py --check)
# non_working: the Monday-Friday days that are not working days (public holidays, holidays moved
#              off a Saturday or Sunday, days off moved by a Government transfer decree).
# working:     the Saturdays and Sundays made working days by a transfer decree.
# Any other day follows the week: Monday-Friday are working days, Saturday and Sunday are not.
# status:      confirmed   - the year's transfer decree (or that there is none) is known and checked;
#              provisional - no transfer decree known yet (years after {CONFIRMED_THROUGH}): the days are the
#                            law's fixed holidays (Islamic ones as estimated by the package); a finding whose
#                            deadline crosses such a year carries a note. Dates outside the years below have
#                            no working-day calendar at all: rules that need one are not applicable.
"""


def _days(year: int) -> list[date]:
    """Every day of ``year``."""
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


def _entry(day: date, name: str) -> str:
    """One flow-mapping list item; the name is a JSON string, which is valid YAML."""
    return f"      - {{date: {day.isoformat()}, name: {json.dumps(name, ensure_ascii=False)}}}"


def _moved_days_off(calendar: holidays.HolidayBase) -> dict[date, date]:
    """Working weekend day -> the weekday its day off was moved to, read from the labels."""
    moved = {}
    for day in calendar:
        for name in calendar.get_list(day):
            if match := SUBSTITUTED.search(name):
                month, dom, year = (int(g) for g in match.groups())
                moved[date(year, month, dom)] = day
    return moved


def _working_weekend_name(moved: dict[date, date], day: date) -> str:
    """The label of a working Saturday or Sunday."""
    if day in moved:
        return f"{WORKING_WEEKEND_NAME}; its day off moved to {moved[day].isoformat()}"
    return WORKING_WEEKEND_NAME


def _year_block(calendar: holidays.HolidayBase, moved: dict[date, date], year: int) -> list[str]:
    """The ``non_working`` and ``working`` lists of one year."""
    non_working = [d for d in _days(year) if d.weekday() < 5 and not calendar.is_working_day(d)]
    working = [d for d in _days(year) if d.weekday() >= 5 and calendar.is_working_day(d)]
    lines = [f"  {year}:", f"    status: {'confirmed' if year <= CONFIRMED_THROUGH else 'provisional'}"]
    for key, days, name_of in (
        ("non_working", non_working, lambda d: "; ".join(calendar.get_list(d))),
        ("working", working, lambda d: _working_weekend_name(moved, d)),
    ):
        lines.append(f"    {key}:{'' if days else ' []'}")
        lines.extend(_entry(d, name_of(d)) for d in days)
    return lines


def render() -> str:
    """The whole calendar file as text."""
    calendar = holidays.country_holidays(COUNTRY, years=range(FIRST_YEAR, LAST_YEAR + 1), language="en_US")
    lines = [
        HEADER.rstrip("\n"),
        "generated_by: tools/gen_calendar.py",
        "package: holidays",
        f'package_version: "{PINNED_VERSION}"',
        f"country: {COUNTRY}",
        f"years: {{from: {FIRST_YEAR}, to: {LAST_YEAR}}}",
        "calendar:",
    ]
    moved = _moved_days_off(calendar)
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        lines.extend(_year_block(calendar, moved, year))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the calendar file; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="file to write or compare")
    args = parser.parse_args(argv)
    if holidays.__version__ != PINNED_VERSION:
        print(
            f"holidays {holidays.__version__} is installed; this calendar is pinned to "
            f"{PINNED_VERSION}. Change PINNED_VERSION deliberately (an amendment), then rerun.",
            file=sys.stderr,
        )
        return 2
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run python tools/gen_calendar.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
