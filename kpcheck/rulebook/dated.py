"""Values that change on a date, as the law changes them (OpenFisca's dated parameters).

A rule parameter, a message or a legal basis may be written as a mapping from the day each
value takes effect to the value::

    params:
      days: {2016-06-20: 5, 2027-01-01: 3}

A value holds from its day until the day before the next one; a day before the first takes
the first value (the value the rule came into force with). The day a rule reads its dated
values on is its ``reference_date`` (a date field of the submission, for example
``duplicate.damaged_on``: the law in force when the certificate was damaged) when the
submission gives it, otherwise ``presented_on``. The dates in force (``in_force``) are always
read on ``presented_on``.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

PRESENTED_ON = "presented_on"
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_day_key(key: Any) -> bool:
    """A mapping key that is (or is written as) a day: ``2027-01-01``."""
    return isinstance(key, dt.date) or (isinstance(key, str) and bool(_ISO_DAY.match(key)))


def is_dated(value: Any) -> bool:
    """A mapping whose keys are days: a value that changes on dates (one day key is enough to
    read it as such, so that a key that is not a day is reported at its place)."""
    return isinstance(value, dict) and bool(value) and any(is_day_key(k) for k in value)


def as_day(key: Any) -> dt.date | None:
    if isinstance(key, dt.datetime):
        return key.date()
    if isinstance(key, dt.date):
        return key
    try:
        return dt.date.fromisoformat(str(key))
    except ValueError:
        return None


def latest(value: dict[Any, Any]) -> Any:
    """The value of a dated mapping that takes effect last (the text in force today)."""
    return value[max(value, key=str)]


@dataclass(frozen=True)
class Dated:
    """A parameter's values by the day each takes effect (ascending), read on the first present
    of ``on`` (field paths: the rule's reference date, then ``presented_on``)."""

    steps: tuple[tuple[dt.date, Any], ...]
    on: tuple[str, ...] = (PRESENTED_ON,)

    def at(self, day: dt.date | None) -> Any:
        """The value in force on ``day`` (the first value for a day before it, or none given)."""
        if day is None:
            return self.steps[0][1]
        index = bisect_right([d for d, _ in self.steps], day) - 1
        return self.steps[max(index, 0)][1]

    def day(self, raw: dict[str, Any]) -> dt.date | None:
        """The day the value is read on, from a submission's raw values by path."""
        for path in self.on:
            value = raw.get(path)
            if isinstance(value, dt.date):
                return value
        return None

    def read(self, raw: dict[str, Any]) -> Any:
        return self.at(self.day(raw))


def reading_days(reference_date: str | None) -> tuple[str, ...]:
    """The field paths a rule reads its dated values on, first present first."""
    return (reference_date, PRESENTED_ON) if reference_date and reference_date != PRESENTED_ON else (PRESENTED_ON,)


def steps_of(value: dict[Any, Any]) -> tuple[tuple[dt.date, Any], ...]:
    """A dated mapping's (day, value) pairs in the order of the days (keys that are not days left out)."""
    pairs = [(as_day(k), v) for k, v in value.items()]
    return tuple(sorted(((d, v) for d, v in pairs if d is not None), key=lambda p: p[0]))


def value_on(value: Any, day: dt.date | None) -> Any:
    """``value`` itself, or when it is a dated mapping the value in force on ``day``."""
    if isinstance(value, Dated):
        return value.at(day)
    if is_dated(value):
        return Dated(steps_of(value)).at(day)
    return value


__all__ = ["PRESENTED_ON", "Dated", "as_day", "is_dated", "is_day_key", "latest", "reading_days", "steps_of", "value_on"]
