"""The register at work: what ``check --register [--record]``, ``audit --register [--record]``
and the desk with a register store and read (the steps themselves are the check pipeline's,
:mod:`kpcheck.checking`).

The checks across submissions are the batch module's own (the audit's index): the register
only supplies the past submissions' keys, so that a check against the register gives exactly
the findings ``check --against`` gives over the same history.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from kpcheck.batch.xref import XrefKey
from kpcheck.input.models import Submission
from kpcheck.register.importer import import_sources
from kpcheck.register.importer import numbers_of as numbers_in_sources
from kpcheck.register.rows import decision_row, finding_rows, submission_row
from kpcheck.register.store import Register, history_keys, insert_decision, insert_submissions, last_pk
from kpcheck.results import Result

RECORD_BATCH = 1_000


def record_checks(conn: Connection, results: list[Result], subs: list[Submission | None], meta: Mapping[str, Any], by: str | None) -> None:
    """Store the readable submissions of a check and their decisions (waivers applied), in the
    caller's transaction."""
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


class Decisions:
    """``audit --record``: the decision on each stored submission of the audit's results, stored
    as they pass (in transactions of a thousand decisions); :meth:`flush` stores the rest."""

    def __init__(self, register: Register, stored: Mapping[str, int], meta: Mapping[str, Any], by: str | None):
        self.register, self.stored, self.meta, self.by = register, stored, meta, by
        self.pending: list[tuple[Result, int]] = []

    def add(self, chunk: Any) -> None:
        """The results of a chunk (anything with ``results``: a :class:`~kpcheck.checking.Waived`)."""
        for result in chunk.results:
            pk = self.stored.get(result.source)
            if pk is not None and result.status != "error":
                self.pending.append((result, pk))
            if len(self.pending) >= RECORD_BATCH:
                self.flush()

    def flush(self) -> None:
        _record_audit(self.register, self.pending, self.meta, self.by)
        self.pending = []


def _record_audit(register: Register, pending: list[tuple[Result, int]], meta: Mapping[str, Any], by: str | None) -> None:
    if not pending:
        return
    now = dt.datetime.now(dt.timezone.utc)

    def work(conn: Connection) -> None:
        for result, pk in pending:
            insert_decision(conn, decision_row(result, pk, meta, "audit", by, now), functools.partial(finding_rows, result))

    register.write(work)
