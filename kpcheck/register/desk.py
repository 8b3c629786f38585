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
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, select

from kpcheck.batch.xref import XrefKey, numbers_of
from kpcheck.input.models import Submission
from kpcheck.input.units import read_all
from kpcheck.register import schema
from kpcheck.register.errors import RegisterError
from kpcheck.register.rows import decision_row, finding_rows, submission_row
from kpcheck.register.store import Register, history_keys, insert_decision, insert_submissions
from kpcheck.results import Result

if TYPE_CHECKING:
    from kpcheck.input.reader import Loaded

RECORD_BATCH = 1_000


def record_checks(conn: Connection, results: list[Result], subs: list[Submission | None], meta: Mapping[str, Any], by: str | None) -> None:
    """Store the readable submissions of a check and their decisions (waivers applied), in the
    caller's transaction."""
    now = dt.datetime.now(dt.timezone.utc)
    rows = [(result, submission_row(sub, result.source, now)) for result, sub in zip(results, subs) if sub is not None]
    known, _ = insert_submissions(conn, [row for _, row in rows])
    for result, row in rows:
        insert_decision(conn, decision_row(result, known[row["sha256"]], meta, "check", by, now), functools.partial(finding_rows, result))


def audit_history(register: Register, numbers: Iterable[str]) -> list[XrefKey]:
    """``audit --register``: the keys of the stored submissions that share a number with the
    audited ones (``numbers``: those an audit's pass 1 read, the register as it stands before
    the audit's decisions are stored); the register's pooled connections are closed after, so
    that no worker process forked later inherits one."""
    try:
        with register.reading() as conn:
            return history_keys(conn, numbers, where=register.shown)
    finally:
        register.close()


@dataclass
class Recording:
    """What ``audit --record`` did: its run in the register, whether it resumed an interrupted
    one, the submissions stored with their decision by this process, and those the run held
    already (skipped). Filled as the audit goes, so that an interruption can say it."""

    run: int = 0
    resumed: bool = False
    recorded: int = 0
    already: int = 0
    finished: bool = False

    def said(self, lang: str = "en") -> str:
        """What the register holds of this run, in a sentence (in ``lang``)."""
        from kpcheck.i18n import gettext_for
        from kpcheck.problems import fill

        _ = gettext_for(lang)
        if not self.run:
            return _("nothing was recorded")
        before = fill(_(" ({n} of them recorded by the interrupted run before)"), {"n": str(self.already)}) if self.already else ""
        template = _(
            "audit run {run} of the register holds {n} submission(s), each with its "
            "decision{before}; the submissions after them were not stored; run the same audit --record again to complete it"
        )
        return fill(template, {"run": str(self.run), "n": str(self.recorded + self.already), "before": before})


def run_fingerprint(sources: list[str], meta: Mapping[str, Any], by: str | None) -> str:
    """What makes two ``audit --record`` runs the same run: the sources (as absolute paths),
    the rulebook, registers and waivers (their SHA-256), the engine and who asked."""
    identity = {
        "sources": [os.path.abspath(s) for s in sources],
        "rulebook": meta["rulebook"]["sha256"],
        "registers": meta["registers"]["sha256"],
        "waivers": (meta.get("waivers") or {}).get("sha256"),
        "engine": meta.get("engine", ""),
        "by": by,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def start_run(register: Register, sources: list[str], meta: Mapping[str, Any], by: str | None, recording: Recording) -> None:
    """The run this audit records under: the last unfinished run of the same audit (resumed),
    else a new one."""
    fingerprint = run_fingerprint(sources, meta, by)
    runs = schema.audit_runs

    def work(conn: Connection) -> tuple[int, bool]:
        unfinished = conn.execute(
            select(runs.c.pk).where(runs.c.fingerprint == fingerprint, runs.c.finished_at.is_(None)).order_by(runs.c.pk.desc())
        ).first()
        if unfinished is not None:
            return int(unfinished[0]), True
        values = {
            "fingerprint": fingerprint,
            "sources": json.dumps(sources, ensure_ascii=False),
            "started_at": dt.datetime.now(dt.timezone.utc),
        }
        return int(conn.execute(runs.insert().values(**values).returning(runs.c.pk)).scalar_one()), False

    recording.run, recording.resumed = register.write(work)


class Decisions:
    """``audit --record``: each readable submission stored together with the decision on it, as
    the audit's results pass (:meth:`add`), a thousand to a transaction: a submission is in the
    register with its decision or not at all. The submissions are read again beside the results,
    in the same input order. A submission this run holds a decision on already (an interrupted
    run, run again; or the same submission twice in the sources) gets no second one.
    :meth:`close` stores the rest and marks the run finished."""

    def __init__(self, register: Register, sources: list[str], meta: Mapping[str, Any], by: str | None, recording: Recording):
        self.register, self.meta, self.by, self.recording = register, meta, by, recording
        self.readings = read_all(sources)
        self.pending: list[tuple[Result, Submission]] = []

    def add(self, results: Iterable[Result]) -> None:
        for result in results:
            loaded = next(self.readings, None)
            if loaded is None or loaded.source != result.source:
                raise RegisterError(
                    self.register.shown, f"the sources changed while they were audited (at {result.source}); the audit stopped"
                )
            if loaded.submission is not None and result.status != "error":
                self.pending.append((result, loaded.submission))
            if len(self.pending) >= RECORD_BATCH:
                _record_audit(self.register, self.pending, self.meta, self.by, self.recording)
                self.pending = []

    def close(self) -> None:
        _record_audit(self.register, self.pending, self.meta, self.by, self.recording)
        self.pending = []
        finished = dt.datetime.now(dt.timezone.utc)
        runs = schema.audit_runs
        run = self.recording.run
        self.register.write(lambda conn: conn.execute(runs.update().where(runs.c.pk == run).values(finished_at=finished)))
        self.recording.finished = True


def record_decisions(
    register: Register,
    results: Iterable[Result],
    sources: list[str],
    meta: Mapping[str, Any],
    by: str | None,
    recording: Recording,
) -> Iterator[Result]:
    """Pass the audit's results on, each stored with its submission as :class:`Decisions` does."""
    decisions = Decisions(register, sources, meta, by, recording)
    for result in results:
        decisions.add((result,))
        yield result
    decisions.close()


def _record_audit(
    register: Register, pending: list[tuple[Result, Submission]], meta: Mapping[str, Any], by: str | None, recording: Recording
) -> None:
    if not pending:
        return
    now = dt.datetime.now(dt.timezone.utc)

    def work(conn: Connection) -> tuple[int, int]:
        rows = [(result, submission_row(sub, result.source, now)) for result, sub in pending]
        known, _ = insert_submissions(conn, [row for _, row in rows])
        d = schema.decisions
        pks = sorted({known[row["sha256"]] for _, row in rows})
        done = set(conn.execute(select(d.c.submission).where(d.c.run == recording.run, d.c.submission.in_(pks))).scalars())
        added = skipped = 0
        for result, row in rows:
            pk = known[row["sha256"]]
            if pk in done:
                skipped += 1
                continue
            done.add(pk)
            decision = {**decision_row(result, pk, meta, "audit", by, now), "run": recording.run}
            insert_decision(conn, decision, functools.partial(finding_rows, result))
            added += 1
        return added, skipped

    added, skipped = register.write(work)
    recording.recorded += added
    recording.already += skipped


def _gist(result: Result) -> tuple[Any, ...]:
    """What a decision rests on: the verdict and each finding (rule, severity, fields, waived)."""
    return (str(result.status), tuple((f.rule, f.severity, tuple(f.fields), bool(f.waived)) for f in result.findings))


class Steps(Protocol):
    """The check pipeline's steps a decision's re-check runs (:class:`kpcheck.checking.Steps`)."""

    def keyed(self, loaded: Iterable[Loaded]) -> list[tuple[Result, XrefKey | None]]: ...
    def across(self, pairs: list[tuple[Result, XrefKey | None]], history: list[XrefKey]) -> list[Result]: ...
    def waive(self, results: list[Result]) -> Any: ...


def record_desk(
    register: Register,
    steps: Steps,
    loaded: Loaded,
    shown: Result,
    meta: Mapping[str, Any],
    decision: Mapping[str, Any],
    report: Callable[[dt.datetime], str],
) -> int | None:
    """A controller's decision from the desk on the result ``shown``: in one writing
    transaction the check's steps run again (evaluate, the register's rules, waivers); when they
    still give what was shown, the submission (once) and the decision are stored with the
    controller's name, decision, comment, language and the printed report ``report`` renders
    for the moment of recording. Returns the decision's row number, or None when the register
    changed since the check (nothing stored)."""
    sub = loaded.submission
    if sub is None:
        return None
    pairs = steps.keyed([loaded])

    def work(conn: Connection) -> int | None:
        history = history_keys(conn, numbers_of(key for _, key in pairs))
        again = steps.waive(steps.across(pairs, history)).results[0]
        if _gist(again) != _gist(shown):
            return None
        now = dt.datetime.now(dt.timezone.utc)
        row = submission_row(sub, shown.source, now)
        known, _ = insert_submissions(conn, [row])
        stored = decision_row(shown, known[row["sha256"]], meta, "desk", decision["by"], now)
        stored.update(outcome=decision["outcome"], comment=decision.get("comment") or None, lang=decision["lang"], report=report(now))
        return insert_decision(conn, stored, functools.partial(finding_rows, shown))

    return register.write(work)
