"""The decisions recorded in a year, with their findings, for section G of the annual report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, select

from kpcheck.register import schema


@dataclass(frozen=True)
class Decided:
    """One decision on one certificate (direction and normalised number), oldest first."""

    direction: str
    number: str
    status: str
    findings: tuple[tuple[str, str, bool], ...]  # (rule, severity, waived)


def utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def decisions_in(conn: Connection, year: int, batch: int = 5_000) -> Iterator[Decided]:
    """Every decision taken in ``year`` (its ``decided_at`` in UTC), in the order recorded."""
    s, d, f = schema.submissions, schema.decisions, schema.findings
    start = dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc)
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.timezone.utc)
    margin = dt.timedelta(days=1)  # SQLite keeps the time as written: filter exactly below
    query = (
        select(d.c.pk, d.c.decided_at, d.c.status, s.c.direction, s.c.number)
        .join(s, s.c.pk == d.c.submission)
        .where((d.c.decided_at >= start - margin) & (d.c.decided_at < end + margin))
        .order_by(d.c.pk)
    )
    rows = [row for row in conn.execute(query) if start <= utc(row.decided_at) < end]
    for i in range(0, len(rows), batch):
        chunk = rows[i : i + batch]
        found: dict[int, list[tuple[str, str, bool]]] = {row.pk: [] for row in chunk}
        for decision, rule, severity, waived in conn.execute(
            select(f.c.decision, f.c.rule, f.c.severity, f.c.waived).where(f.c.decision.in_(list(found))).order_by(f.c.pk)
        ):
            found[decision].append((rule, severity, waived is not None))
        for row in chunk:
            yield Decided(row.direction, row.number, row.status, tuple(found[row.pk]))
