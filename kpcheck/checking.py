"""Checking submissions with their history, waivers or a register: what ``check``, ``audit``
and :meth:`kpcheck.api.Checker.check` share. No printing, no exits.

A check evaluates each submission; given a *history* (past submissions, as files, in memory
or as :class:`~kpcheck.batch.xref.XrefKey`), it also runs the rules across submissions that
need only a history (``needs: history`` in their rule files: XREF-01/02) over the checked
submissions and that history together; given waivers, it applies them. Warnings (waivers
ignored, expired or unused) go to a ``warn`` callback as :class:`~kpcheck.problems.Problem`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpcheck.api import Checker
from kpcheck.input.reader import Loaded, parse_data
from kpcheck.problems import Problem
from kpcheck.results import Result

if TYPE_CHECKING:  # a desk check without a history imports neither the XREF keys nor the waivers
    from kpcheck.batch.xref import XrefKey
    from kpcheck.waivers import WaiverBook

    Data = Mapping[str, Any] | bytes | str
    """One submission held in memory: a parsed mapping, or JSON or YAML bytes or text."""
    Past = Data | XrefKey | Path
    """One item of a history: a submission in memory, its key, or a path (file, folder, JSON Lines)."""
Warn = Callable[[Problem], None]


def _unheard(_problem: Problem) -> None:
    """Where warnings go when the caller gives no ``warn``."""


@dataclass
class Checked:
    """The outcome of :meth:`kpcheck.api.Checker.check`: a result per submission, in the order
    given, and the warnings of the run (waivers ignored, expired or matching nothing)."""

    results: list[Result]
    warnings: list[Problem] = field(default_factory=list)


def read_data(submissions: Sequence[Data], kind: str = "json") -> list[Loaded]:
    """In-memory submissions as read ones; their source is ``<data>``, or ``<data:N>`` (1-based)
    when there are several."""
    if len(submissions) == 1:
        return [parse_data(_plain(submissions[0]), "<data>", kind)]
    return [parse_data(_plain(data), f"<data:{n}>", kind) for n, data in enumerate(submissions, 1)]


def _plain(data: Data) -> bytes | str | dict[str, Any]:
    return data if isinstance(data, (bytes, str, dict)) else dict(data)


def history_keys(past: Iterable[Past], kind: str = "json") -> list[XrefKey]:
    """The keys of a history; past submissions that do not read are left out (they cannot
    have been accepted). Paths are read as ``audit`` reads its sources."""
    from kpcheck.batch.audit import loaded_of, plan_units
    from kpcheck.batch.xref import XrefKey, key_of

    keys: list[XrefKey] = []
    for n, item in enumerate(past, 1):
        if isinstance(item, XrefKey):
            keys.append(item)
        elif isinstance(item, Path):
            keys += [key_of(one.submission) for unit in plan_units([item]) for one in loaded_of(unit) if one.submission is not None]
        else:
            loaded = parse_data(_plain(item), f"<history:{n}>", kind)
            if loaded.submission is not None:
                keys.append(key_of(loaded.submission))
    return keys


def source_keys(sources: Iterable[str | Path]) -> list[XrefKey]:
    """The keys of past submissions given as files, folders or JSON Lines (``--against``)."""
    return history_keys(Path(source) for source in sources)


def paired(checker: Checker, loaded: Iterable[Loaded]) -> list[tuple[Result, XrefKey | None]]:
    """Each submission's result beside its key (None when it did not read)."""
    from kpcheck.batch.xref import key_of

    return [(checker.check_loaded(one), key_of(one.submission) if one.submission is not None else None) for one in loaded]


def check_loaded(
    checker: Checker,
    loaded: Iterable[Loaded],
    history: Sequence[XrefKey] | None = None,
    waivers: WaiverBook | None = None,
    warn: Warn | None = None,
) -> Iterator[Result]:
    """The results of read submissions, in order: streamed one by one without a history; with
    one (even empty), the history rules run over them and it together once all are checked.
    Waivers apply last; their warnings go to ``warn`` (the file's first, the unused ones last)."""
    if history is None:
        results: Iterable[Result] = (checker.check_loaded(one) for one in loaded)
    else:  # the audit machinery only when there is a history (a desk check's start-up time)
        from kpcheck.batch.audit import check_with_history

        results = check_with_history(checker, paired(checker, loaded), list(history))
    if waivers is None:
        return iter(results)
    return waivers.waive(results, warn or _unheard)


def check_register(
    checker: Checker,
    loaded: Iterable[Loaded],
    url: str,
    history: Sequence[XrefKey],
    meta: Mapping[str, Any],
    waivers: WaiverBook | None = None,
    warn: Warn | None = None,
    record: bool = False,
    by: str | None = None,
) -> list[Result]:
    """``check --register``: the history rules against the register's submissions (and
    ``history``), waivers applied; with ``record``, the submissions and decisions stored.
    Raises :class:`~kpcheck.register.errors.RegisterError`."""
    read = list(loaded)
    pairs = paired(checker, read)

    def waive(results: list[Result]) -> list[Result]:
        return list(results) if waivers is None else list(waivers.waive(results, warn or _unheard))

    if not record:  # a plain SQLite register is read without SQLAlchemy (kpcheck.register.quick)
        from kpcheck.register.quick import numbers_of, sqlite_history

        stored = sqlite_history(url, numbers_of(key for _, key in pairs))
        if stored is not None:
            from kpcheck.batch.audit import check_with_history

            return waive(check_with_history(checker, pairs, [*stored, *history]))
    from kpcheck.register.desk import check_register as run
    from kpcheck.register.store import Register

    checked = [(result, key, one.submission) for one, (result, key) in zip(read, pairs)]
    register = Register.open(url, create=record, readonly=not record)
    return run(register, checker, checked, {**meta, "engine": checker.engine.kind}, waive, record, by, list(history))


def audit_results(
    checker: Checker,
    sources: list[str],
    options: Mapping[str, Any],
    jobs: int,
    progress: Callable[[int], None] | None,
    waivers: WaiverBook | None = None,
    warn: Warn | None = None,
    register: str | None = None,
    record: bool = False,
    by: str | None = None,
    meta: Mapping[str, Any] | None = None,
    recording: Any = None,
) -> Iterable[Result]:
    """An audit's results in input order, waivers applied. With a ``register`` URL its history
    joins the checks across submissions and, with ``record``, the audited submissions and then
    each decision (waived findings marked) are stored. Raises
    :class:`~kpcheck.register.errors.RegisterError`; what it returns may have ``close()``, which
    stops the audit's workers. ``recording`` (a :class:`kpcheck.register.desk.Recording`) is
    filled with what ``record`` stored, as it goes."""
    from kpcheck.batch.audit import audit

    def waive(results: Iterable[Result]) -> Iterable[Result]:
        return results if waivers is None else waivers.waive(results, warn or _unheard)

    if not register:
        return waive(audit(sources, dict(options), jobs, progress, checker))
    from kpcheck.register.desk import Recording, audit_history, record_decisions, start_run
    from kpcheck.register.store import Register

    opened = Register.open(register, create=record, readonly=not record)
    history = audit_history(opened, sources)
    identity = {**(meta or {}), "engine": checker.engine.kind}
    recording = recording if recording is not None else Recording()
    if record:
        start_run(opened, sources, identity, by, recording)
    opened.close()  # no pooled connection is inherited by the audit's worker processes
    results = waive(audit(sources, dict(options), jobs, progress, checker, history))
    if not record:
        return results
    return record_decisions(opened, results, sources, identity, by, recording)
