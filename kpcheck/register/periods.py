"""The periods of the open items: the law's for a duplicate, read from the rulebook's DUP-01
(its ``working_day_deadline`` call: the number of working days stays in the rule file), on the
reference data's Kazakh working-day calendar; the department's for the coupon and the receipt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kpcheck.checker import Checker
from kpcheck.i18n.labels import N_
from kpcheck.problems import KpcheckError
from kpcheck.register.events import DEFAULT_COUPON_DAYS, DEFAULT_RECEIPT_DAYS, Periods
from kpcheck.rulebook.dated import Dated

DUPLICATE_RULE = "DUP-01"
DEADLINE_FACT = "working_day_deadline"


class NoDuplicateDeadline(KpcheckError):
    """The rulebook has no DUP-01 computing a deadline in working days."""

    code = "REG011"


def duplicate_days(checker: Checker, damaged: dt.date | None = None, rule_id: str = DUPLICATE_RULE) -> int:
    """The working days DUP-01 gives for returning a certificate damaged on ``damaged``, as its
    deadline let calls ``working_day_deadline`` with them (a dated parameter read on that day,
    as the rule reads it on its reference date, the day of damage; None: the latest value)."""
    rule = checker.book.get(rule_id)
    if rule is None:
        raise NoDuplicateDeadline(
            str(checker.book.directory),
            template=N_("the rulebook has no rule {rule}, which sets a duplicate's deadline"),
            args={"rule": rule_id},
        )
    for ref in rule.lets.values():
        let = checker.book.lets[ref.name]
        if let.fact == DEADLINE_FACT:
            days = dict(let.args).get("days")
            if isinstance(days, Dated):
                days = days.at(damaged) if damaged is not None else days.steps[-1][1]
            if isinstance(days, (int, Decimal)) and not isinstance(days, bool):
                return int(days)
    raise NoDuplicateDeadline(
        str(rule.file),
        template=N_("{rule} computes no deadline with {fact} and a number of days"),
        args={"rule": rule_id, "fact": DEADLINE_FACT},
    )


def periods_of(checker: Checker, coupon_days: int = DEFAULT_COUPON_DAYS, receipt_days: int = DEFAULT_RECEIPT_DAYS) -> Periods:
    """The periods of ``register due`` (raises :class:`NoDuplicateDeadline`)."""
    duplicate_days(checker)  # refused here when DUP-01 sets no deadline
    rule = checker.book.get(DUPLICATE_RULE)
    assert rule is not None
    in_force = rule.spec.in_force

    def deadline(damaged: dt.date) -> dt.date | None:
        if damaged < in_force.from_ or (in_force.to is not None and damaged > in_force.to):
            return None
        return checker.reference.working_day_deadline(damaged, duplicate_days(checker, damaged))

    return Periods(deadline, lambda damaged: duplicate_days(checker, damaged), DUPLICATE_RULE, coupon_days, receipt_days)
