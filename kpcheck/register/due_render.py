"""``register due``: the open items as text, CSV or JSON, in English, Russian or Kazakh.

Text and CSV speak the user's language (headers, states, what is awaited); JSON keeps its
keys and codes in English, with the state also in words (``state``) for a page to show.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from typing import IO, Any

from kpcheck.i18n import gettext_for, ngettext_for
from kpcheck.register.events import DueItem


def item_label(item: str, lang: str) -> str:
    """What an open item awaits, in words."""
    _ = gettext_for(lang)
    return {"duplicate": _("duplicate to be issued"), "coupon": _("coupon to be sent back"), "receipt": _("receipt to be confirmed")}[item]


def kind_label(kind: str, lang: str) -> str:
    """An event kind in words."""
    _ = gettext_for(lang)
    return {
        "damaged": _("certificate damaged"),
        "duplicate-issued": _("duplicate issued"),
        "coupon-sent": _("coupon sent back"),
        "receipt-confirmed": _("receipt confirmed"),
    }[kind]


def state(item: DueItem, on: dt.date, lang: str) -> str:
    """Overdue by N days, due today, N days left, or no deadline (the calendar does not cover it)."""
    _, n_ = gettext_for(lang), ngettext_for(lang)
    late = item.late_by(on)
    if late is None:
        return _("no deadline: the working-day calendar does not cover these days")
    if late > 0:
        return n_("overdue by {n} day", "overdue by {n} days", late).format(n=late)
    if late == 0:
        return _("due today")
    return n_("{n} day left", "{n} days left", -late).format(n=-late)


def period(item: DueItem, lang: str) -> str:
    """The period and who sets it: the rule's working days or the department's days."""
    n_ = ngettext_for(lang)
    if item.working_days:
        return n_("{n} working day ({basis})", "{n} working days ({basis})", item.days).format(n=item.days, basis=item.basis)
    return n_("{n} day, set by the department", "{n} days, set by the department", item.days).format(n=item.days)


def headers(lang: str) -> list[str]:
    _ = gettext_for(lang)
    return [_("State"), _("Deadline"), _("Awaited"), _("Certificate"), _("Direction"), _("Since"), _("Period")]


def cells(item: DueItem, on: dt.date, lang: str) -> list[str]:
    _ = gettext_for(lang)
    deadline = item.deadline.isoformat() if item.deadline else "-"
    return [
        state(item, on, lang),
        deadline,
        item_label(item.item, lang),
        item.raw_number,
        _(item.direction),
        item.since.isoformat(),
        period(item, lang),
    ]


def as_json(items: list[DueItem], on: dt.date, lang: str) -> dict[str, Any]:
    return {
        "on": on.isoformat(),
        "open": len(items),
        "overdue": sum(item.overdue(on) for item in items),
        "items": [
            {
                "item": item.item,
                "awaited": item.awaited,
                "number": item.raw_number,
                "direction": item.direction,
                "submission_id": item.submission_id,
                "since": item.since.isoformat(),
                "deadline": item.deadline.isoformat() if item.deadline else None,
                "days": item.days,
                "working_days": item.working_days,
                "basis": item.basis,
                "overdue": item.overdue(on),
                "days_late": item.late_by(on),
                "state": state(item, on, lang),
                "label": item_label(item.item, lang),
            }
            for item in items
        ],
    }


def render_json(items: list[DueItem], on: dt.date, lang: str, stream: IO[str]) -> None:
    json.dump(as_json(items, on, lang), stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def render_csv(items: list[DueItem], on: dt.date, lang: str, stream: IO[str]) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(headers(lang))
    for item in items:
        writer.writerow(cells(item, on, lang))


def render_text(items: list[DueItem], on: dt.date, lang: str, stream: IO[str]) -> None:
    _ = gettext_for(lang)
    overdue = sum(item.overdue(on) for item in items)
    stream.write(_("Open items on {on}: {n}, overdue: {late}").format(on=on.isoformat(), n=len(items), late=overdue) + "\n")
    if not items:
        stream.write(_("Nothing is due.") + "\n")
        return
    rows = [headers(lang), *(cells(item, on, lang) for item in items)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        stream.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")


RENDERERS: dict[str, Callable[[list[DueItem], dt.date, str, IO[str]], None]] = {
    "text": render_text,
    "csv": render_csv,
    "json": render_json,
}
