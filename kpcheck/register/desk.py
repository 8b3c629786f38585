"""The register at work: ``check --register [--record]`` and ``audit --register [--record]``.

The checks across submissions are the batch module's own (:func:`check_with_history`, the
audit's index): the register only supplies the past submissions' keys, so that a check against
the register gives exactly the findings ``check --against`` gives over the same history.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection

from kpcheck.api import Checker
from kpcheck.batch.audit import check_with_history
from kpcheck.batch.xref import XrefKey
from kpcheck.input.models import Submission
from kpcheck.register.importer import import_sources
from kpcheck.register.importer import numbers_of as numbers_in_sources
from kpcheck.register.quick import numbers_of
from kpcheck.register.rows import decision_row, finding_rows, submission_row
from kpcheck.register.store import Register, history_keys, insert_decision, insert_submissions, last_pk
from kpcheck.results import Result

Checked = tuple[Result, XrefKey | None, Submission | None]
Waive = Callable[[list[Result]], list[Result]]
RECORD_BATCH = 1_000


def check_register(
    register: Register,
    checker: Checker,
    checked: list[Checked],
    meta: Mapping[str, Any],
    waive: Waive,
    record: bool = False,
    by: str | None = None,
    extra: list[XrefKey] | None = None,
) -> list[Result]:
    """XREF-01/02 of the checked submissions against the register (and the ``extra`` keys of
    ``--against`` files), waivers applied; with ``record``, the readable submissions and their
    decisions stored in the same transaction, so that of two desks recording one new number,
    the second sees the first."""

    def work(conn: Connection) -> list[Result]:
        pairs = [(result, key) for result, key, _ in checked]
        history = [*history_keys(conn, numbers_of(key for _, key in pairs)), *(extra or [])]
        results = waive(check_with_history(checker, pairs, history))
        if record:
            _record(conn, results, [sub for _, _, sub in checked], meta, by)
        return results

    return register.write(work) if record else _read(register, work)


def _read(register: Register, work: Callable[[Connection], list[Result]]) -> list[Result]:
    with register.reading() as conn:
        return work(conn)


def _record(conn: Connection, results: list[Result], subs: list[Submission | None], meta: Mapping[str, Any], by: str | None) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    rows = [(result, submission_row(sub, result.source, now)) for result, sub in zip(results, subs) if sub is not None]
    known, _ = insert_submissions(conn, [row for _, row in rows])
    for result, row in rows:
        insert_decision(conn, decision_row(result, known[row["sha256"]], meta, "check", by, now), functools.partial(finding_rows, result))


def audit_history(register: Register, sources: list[str], record: bool) -> tuple[list[XrefKey], dict[str, int]]:
    """``audit --register``: the keys of the stored submissions that share a number with the
    audited ones (the register as it stood before this audit) and, with ``record``, the audited
    submissions stored first (row number by source location)."""
    with register.reading() as conn:
        upto = last_pk(conn)
    if record:
        imported = import_sources(register, sources, keep_rows=True)
        stored, numbers = imported.stored, imported.numbers
    else:
        stored, numbers = {}, numbers_in_sources(sources)
    with register.reading() as conn:
        return history_keys(conn, numbers, upto), stored


def record_decisions(
    register: Register, results: Iterable[Result], stored: Mapping[str, int], meta: Mapping[str, Any], by: str | None
) -> Iterator[Result]:
    """Pass the audit's results on, storing the decision on each stored submission as it goes
    (in transactions of a thousand decisions)."""
    pending: list[tuple[Result, int]] = []
    for result in results:
        pk = stored.get(result.source)
        if pk is not None and result.status != "error":
            pending.append((result, pk))
        if len(pending) >= RECORD_BATCH:
            _record_audit(register, pending, meta, by)
            pending = []
        yield result
    _record_audit(register, pending, meta, by)


def _record_audit(register: Register, pending: list[tuple[Result, int]], meta: Mapping[str, Any], by: str | None) -> None:
    if not pending:
        return
    now = dt.datetime.now(dt.timezone.utc)

    def work(conn: Connection) -> None:
        for result, pk in pending:
            insert_decision(conn, decision_row(result, pk, meta, "audit", by, now), functools.partial(finding_rows, result))

    register.write(work)


def _gist(result: Result) -> tuple[Any, ...]:
    """What a decision rests on: the verdict and each finding (rule, severity, fields, waived)."""
    return (str(result.status), tuple((f.rule, f.severity, tuple(f.fields), bool(f.waived)) for f in result.findings))


def record_desk(
    register: Register,
    checker: Checker,
    base: Result,
    key: XrefKey,
    sub: Submission,
    shown: Result,
    meta: Mapping[str, Any],
    waive: Waive,
    decision: Mapping[str, Any],
    report: Callable[[dt.datetime], str],
) -> int | None:
    """A controller's decision from the desk on the result ``shown``: in one writing
    transaction the register's rules run again on ``base`` (the result before them); when they
    still give what was shown, the submission (once) and the decision are stored with the
    controller's name, decision, comment, language and the printed report ``report`` renders
    for the moment of recording. Returns the decision's row number, or None when the register
    changed since the check (nothing stored)."""

    def work(conn: Connection) -> int | None:
        history = history_keys(conn, numbers_of([key]))
        again = waive(check_with_history(checker, [(base, key)], history))[0]
        if _gist(again) != _gist(shown):
            return None
        now = dt.datetime.now(dt.timezone.utc)
        row = submission_row(sub, shown.source, now)
        known, _ = insert_submissions(conn, [row])
        stored = decision_row(shown, known[row["sha256"]], meta, "desk", decision["by"], now)
        stored.update(outcome=decision["outcome"], comment=decision.get("comment") or None, lang=decision["lang"], report=report(now))
        return insert_decision(conn, stored, functools.partial(finding_rows, shown))

    return register.write(work)
