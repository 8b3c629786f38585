"""A certificate's life after its check: events, and the items still open with their deadlines.

Events are append-only (the database refuses to change or delete one, as for decisions): a
damaged export certificate reported (``damaged``), its duplicate issued (``duplicate-issued``),
an import's completed coupon sent back to the exporting authority (``coupon-sent``), an
export's receipt confirmed by the importing authority (``receipt-confirmed``). An event belongs
to a certificate, the submissions of one direction with one normalised number.

The open items (:func:`due_items`) as of a day:

- ``duplicate``: an export certificate reported damaged and no duplicate issued on or after
  that day; its deadline is the law's (DUP-01's working days after the damage, on the Kazakh
  working-day calendar), given by the caller as ``duplicate_deadline``;
- ``coupon``: an import certificate whose last decision accepted it (the controller's decision
  "accepted" at the desk; else a verdict of compliant or review) and
  whose coupon has not been sent back; the department's number of days after presentation;
- ``receipt``: an export certificate whose last decision accepted it and whose receipt the
  importing authority has not confirmed; the department's number of days after issue
  (presentation when the certificate has no date of issue).

An item closes when its event is recorded (dated on or before the day asked about).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from kpcheck.i18n import gettext_for
from kpcheck.input.text import normalise_number
from kpcheck.problems import KpcheckError
from kpcheck.register import schema
from kpcheck.verdicts import Verdict

KINDS = schema.EVENT_KINDS
DIRECTION_OF = {"damaged": "export", "duplicate-issued": "export", "receipt-confirmed": "export", "coupon-sent": "import"}
ACCEPTED = (Verdict.COMPLIANT.value, Verdict.REVIEW.value)  # a decision that lets the goods go: its follow-ups are due
ITEMS = ("duplicate", "coupon", "receipt")
CLOSED_BY = {"duplicate": "duplicate-issued", "coupon": "coupon-sent", "receipt": "receipt-confirmed"}
DEFAULT_COUPON_DAYS = 10  # calendar days after presentation to send the completed coupon back
DEFAULT_RECEIPT_DAYS = 30  # calendar days after issue for the importing authority to confirm receipt


class EventRefused(KpcheckError):
    """An event that cannot be recorded: an unknown number, a kind that does not fit the
    certificate's direction, a date before the certificate was presented, a duplicate with no
    damage recorded. ``location`` is the certificate number."""

    code = "REG010"


@dataclass(frozen=True)
class Recorded:
    """An event as stored (``already``: the same event was recorded before and nothing was added)."""

    pk: int
    direction: str
    number: str
    raw_number: str
    kind: str
    occurred_on: dt.date
    recorded_by: str | None
    already: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.raw_number,
            "direction": self.direction,
            "kind": self.kind,
            "on": self.occurred_on.isoformat(),
            "by": self.recorded_by,
            "already_recorded": self.already,
        }


def record_event(conn: Connection, number: str, kind: str, on: dt.date, by: str | None, now: dt.datetime, lang: str = "en") -> Recorded:
    """Store one event (in the caller's writing transaction); raises :class:`EventRefused`.
    Recording the same event (number, kind, day) again adds nothing."""
    _ = gettext_for(lang)
    if kind not in KINDS:
        raise EventRefused("kind", _("unknown event {kind}; expected one of {kinds}").format(kind=kind, kinds=", ".join(KINDS)))
    wanted = normalise_number(number)
    s = schema.submissions
    rows = [] if not wanted else [dict(r) for r in conn.execute(select(s).where(s.c.number == wanted).order_by(s.c.pk)).mappings()]
    if not rows or wanted is None:
        raise EventRefused(number, _("certificate number {number} is not in the register").format(number=number))
    direction = DIRECTION_OF[kind]
    mine = [r for r in rows if r["direction"] == direction]
    if not mine:
        other = rows[0]["direction"]
        message = _("{kind} is recorded for an {direction} certificate; {number} is in the register as an {other} certificate")
        raise EventRefused(number, message.format(kind=kind, direction=_(direction), number=number, other=_(other)))
    own = [r for r in mine if not r["duplicate_request"]] or mine
    presented = min(r["presented_on"] for r in own)
    if on < presented:
        message = _("{kind} on {on} is before the certificate was presented ({presented})")
        raise EventRefused(number, message.format(kind=kind, on=on.isoformat(), presented=presented.isoformat()))
    e = schema.events
    group = (e.c.direction == direction) & (e.c.number == wanted)
    if kind == "duplicate-issued":
        damaged = conn.execute(select(func.min(e.c.occurred_on)).where(group & (e.c.kind == "damaged") & (e.c.occurred_on <= on))).scalar()
        if damaged is None:
            message = _("no damage of certificate {number} is recorded on or before {on}; record it first: damaged")
            raise EventRefused(number, message.format(number=number, on=on.isoformat()))
    latest = own[-1]
    same = conn.execute(select(e).where(group & (e.c.kind == kind) & (e.c.occurred_on == on)).order_by(e.c.pk)).mappings().first()
    if same is not None:
        return Recorded(same["pk"], direction, wanted, latest["raw_number"], kind, on, same["recorded_by"], True)
    values = {
        "direction": direction,
        "number": wanted,
        "submission": latest["pk"],
        "kind": kind,
        "occurred_on": on,
        "recorded_at": now,
        "recorded_by": by,
    }
    pk: int = conn.execute(e.insert().values(**values).returning(e.c.pk)).scalar_one()
    return Recorded(pk, direction, wanted, latest["raw_number"], kind, on, by, False)


def events_of(conn: Connection, number: str) -> list[dict[str, Any]]:
    """Every event of a normalised number, either direction, in the order recorded."""
    e = schema.events
    return [dict(r) for r in conn.execute(select(e).where(e.c.number == number).order_by(e.c.pk)).mappings()]


# ---- what is due --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """One open item: what is awaited for which certificate, since when, by when."""

    item: str  # duplicate | coupon | receipt
    direction: str
    number: str  # normalised
    raw_number: str
    submission_id: str
    since: dt.date
    deadline: dt.date | None  # None: the working-day calendar does not cover the days
    days: int
    working_days: bool  # the law's working days (duplicate) or the department's calendar days
    basis: str  # the rule (DUP-01) or the option that sets the period

    @property
    def awaited(self) -> str:
        return CLOSED_BY[self.item]

    def late_by(self, on: dt.date) -> int | None:
        """Calendar days past the deadline (negative: days left), None without a deadline."""
        return None if self.deadline is None else (on - self.deadline).days

    def overdue(self, on: dt.date) -> bool:
        late = self.late_by(on)
        return late is not None and late > 0


@dataclass(frozen=True)
class Periods:
    """How deadlines are set: the law's for a duplicate (a function of the day of damage,
    DUP-01's), the department's for the coupon and the receipt."""

    duplicate_deadline: Callable[[dt.date], dt.date | None]
    duplicate_days: Callable[[dt.date], int]  # the working days in force on the day of damage
    duplicate_rule: str
    coupon_days: int = DEFAULT_COUPON_DAYS
    receipt_days: int = DEFAULT_RECEIPT_DAYS


def due_items(conn: Connection, on: dt.date, periods: Periods) -> list[DueItem]:
    """The items open on ``on``: overdue first (the longest overdue first), then by deadline."""
    closed = _events_by_group(conn, on)
    items = _damage_items(conn, on, periods, closed) + _follow_up_items(conn, on, periods, closed)
    return sorted(items, key=lambda i: _order(i, on))


def _order(item: DueItem, on: dt.date) -> tuple[int, dt.date, str, str]:
    if item.deadline is None:
        return (2, dt.date.max, item.raw_number, item.item)
    return (0 if item.overdue(on) else 1, item.deadline, item.raw_number, item.item)


def _events_by_group(conn: Connection, on: dt.date) -> dict[tuple[str, str], list[tuple[str, dt.date]]]:
    e = schema.events
    out: dict[tuple[str, str], list[tuple[str, dt.date]]] = {}
    query = select(e.c.direction, e.c.number, e.c.kind, e.c.occurred_on).where(e.c.occurred_on <= on).order_by(e.c.pk)
    for direction, number, kind, day in conn.execute(query):
        out.setdefault((direction, number), []).append((kind, day))
    return out


def _submission_of(conn: Connection, pk: int) -> dict[str, Any]:
    s = schema.submissions
    row = conn.execute(select(s.c.raw_number, s.c.submission_id, s.c.presented_on, s.c.canonical).where(s.c.pk == pk)).mappings().one()
    return dict(row)


def _damage_items(
    conn: Connection, on: dt.date, periods: Periods, events: dict[tuple[str, str], list[tuple[str, dt.date]]]
) -> list[DueItem]:
    e = schema.events
    out = []
    for (direction, number), happened in events.items():
        damages = [day for kind, day in happened if kind == "damaged"]
        if not damages:
            continue
        damaged = max(damages)
        if any(kind == "duplicate-issued" and day >= damaged for kind, day in happened):
            continue
        pk = conn.execute(
            select(func.max(e.c.submission)).where((e.c.direction == direction) & (e.c.number == number) & (e.c.kind == "damaged"))
        ).scalar_one()
        sub = _submission_of(conn, pk)
        deadline = periods.duplicate_deadline(damaged)
        out.append(
            DueItem(
                "duplicate",
                direction,
                number,
                sub["raw_number"],
                sub["submission_id"],
                damaged,
                deadline,
                periods.duplicate_days(damaged),
                True,
                periods.duplicate_rule,
            )
        )
    return out


def _follow_up_items(
    conn: Connection, on: dt.date, periods: Periods, events: dict[tuple[str, str], list[tuple[str, dt.date]]]
) -> list[DueItem]:
    """Coupons and receipts: certificates whose last decision accepted them, not yet closed."""
    s, d = schema.submissions, schema.decisions
    last = (
        select(s.c.direction, s.c.number, func.max(d.c.pk).label("decision"))
        .join(d, d.c.submission == s.c.pk)
        .where(s.c.duplicate_request.is_(False))
        .group_by(s.c.direction, s.c.number)
        .subquery()
    )
    query = select(last.c.direction, last.c.number, d.c.status, d.c.outcome, d.c.submission).join(d, d.c.pk == last.c.decision)
    out = []
    for direction, number, status, outcome, pk in conn.execute(query):
        if (outcome != "accepted") if outcome else (status not in ACCEPTED):  # the controller's decision, where one was taken
            continue
        item = "coupon" if direction == "import" else "receipt"
        if any(kind == CLOSED_BY[item] for kind, _ in events.get((direction, number), [])):
            continue
        sub = _submission_of(conn, pk)
        since = sub["presented_on"] if item == "coupon" else _issued_on(sub["canonical"]) or sub["presented_on"]
        if since > on:
            continue
        days = periods.coupon_days if item == "coupon" else periods.receipt_days
        basis = "--coupon-days" if item == "coupon" else "--receipt-days"
        deadline = since + dt.timedelta(days=days)
        out.append(DueItem(item, direction, number, sub["raw_number"], sub["submission_id"], since, deadline, days, False, basis))
    return out


def _issued_on(canonical: str) -> dt.date | None:
    try:
        raw = json.loads(canonical).get("certificate", {}).get("issued_on")
        return dt.date.fromisoformat(raw) if isinstance(raw, str) else None
    except (ValueError, AttributeError):
        return None
