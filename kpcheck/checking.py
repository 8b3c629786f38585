"""The one check pipeline: every way of checking goes through :func:`run`. No printing, no exits.

A check takes the same five steps, in this order, whoever asks (``kpcheck check``, ``check
--against``, ``check --register``, ``audit``, ``audit --register``, the desk's page and API,
:meth:`kpcheck.api.Checker.check`):

1. **read**: the submissions, from files, folders, JSON Lines or memory (:mod:`kpcheck.input`);
2. **evaluate**: each submission's own rules (:meth:`Steps.evaluate`), in the check's language;
3. **across**: the checks across submissions, by what the check is given (an :class:`Across`):
   none (:class:`Alone`), a history of files or keys (:class:`History`), the register
   (:class:`InRegister`), the batch itself (:class:`Batch`, :class:`RegisterBatch`);
4. **waivers**: applied to each chunk of results (:meth:`Steps.conclude`, the only place);
5. **result**: what is kept (the register's record, with ``--record``), then the caller's
   ``finish`` of each chunk (the CLI's :class:`~kpcheck.report.parts.PartMaker`, or nothing).

The language is a parameter of the check (:class:`Steps`), passed to every evaluation; nothing
is swapped on the shared engine. An audit runs steps 1 and 2 in its pass-1 workers and 3 to 5
in its pass-2 workers, unit by unit (:mod:`kpcheck.batch.audit`): the steps are the same
objects, carried into the workers by fork.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from kpcheck.checker import Checker
from kpcheck.input.reader import Loaded, parse_data
from kpcheck.problems import Problem
from kpcheck.results import Result

if TYPE_CHECKING:  # a desk check without a history imports neither the XREF keys nor the waivers
    from kpcheck.batch.xref import XrefKey
    from kpcheck.input.units import Unit
    from kpcheck.register.store import Register
    from kpcheck.waivers import Waiver, WaiverBook

    Data = Mapping[str, Any] | bytes | str
    """One submission held in memory: a parsed mapping, or JSON or YAML bytes or text."""
    Past = Data | XrefKey | Path
    """One item of a history: a submission in memory, its key, or a path (file, folder, JSON Lines)."""
Warn = Callable[[Problem], None]
T = TypeVar("T")
Pair = tuple[Result, "XrefKey | None"]


@dataclass
class Waived:
    """One chunk of a check's results, in input order, after the waivers: the warnings the
    waivers gave on it (ignored in the file, expired, unused: a chunk of its own, without
    results, before the first chunk and after the last) and the waivers that matched here."""

    results: list[Result]
    notes: list[Problem] = field(default_factory=list)
    matched: set[Waiver] = field(default_factory=set)


@dataclass
class Checked:
    """The outcome of :meth:`kpcheck.api.Checker.check`: a result per submission, in the order
    given, and the warnings of the run (waivers ignored, expired or matching nothing)."""

    results: list[Result]
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class Steps:
    """What every step of one check shares: the checker, the language of its texts, the waivers."""

    checker: Checker
    lang: str
    waivers: WaiverBook | None = None

    def evaluate(self, loaded: Loaded) -> Result:
        """Step 2: one read submission's own rules."""
        return self.checker.check_loaded(loaded, self.lang)

    def keyed(self, loaded: Iterable[Loaded]) -> list[Pair]:
        """Step 2 for the checks across submissions: each result beside its XREF key (None
        when the submission did not read)."""
        from kpcheck.batch.xref import key_of

        return [(self.evaluate(one), key_of(one.submission, one.source) if one.submission is not None else None) for one in loaded]

    def across(self, pairs: list[Pair], history: Sequence[XrefKey], searched: Sequence[str] = ()) -> list[Result]:
        """Step 3 with a history: the rules that need one (XREF-01/02) over the checked
        submissions and the history's keys together."""
        from kpcheck.batch.audit import check_with_history

        return check_with_history(self.checker, pairs, list(history), self.lang, searched)

    def waive(self, results: list[Result]) -> Waived:
        """Step 4: the waivers applied to a chunk of results (and nothing else)."""
        if self.waivers is None:
            return Waived(results)
        from kpcheck.waivers import apply_waivers

        book, waived = self.waivers, Waived([])
        matched: set[Waiver] = set()
        for result in results:
            one, problems = apply_waivers(result, result.presented_on, result.certificate, book.candidates(result), matched)
            waived.results.append(one)
            waived.notes.extend(problems)
        waived.matched = matched
        return waived

    def conclude(self, results: list[Result], finish: Callable[[Waived], T], keep: Callable[[Waived], None] | None = None) -> T:
        """Steps 4 and 5 of a chunk, in this order: waivers, what is kept (the register's
        record), the caller's ``finish``."""
        waived = self.waive(results)
        if keep is not None:
            keep(waived)
        return finish(waived)


class Across(Protocol):
    """Steps 1 to 3 of a check, by what it is checked across; each chunk of results goes
    through :meth:`Steps.conclude` (steps 4 and 5), and what that returns is yielded."""

    def run(self, steps: Steps, finish: Callable[[Waived], T]) -> Iterator[T]: ...


def _same(waived: Waived) -> Waived:
    return waived


def run(steps: Steps, across: Across, finish: Callable[[Waived], Any] = _same, account: bool = True) -> Generator[Any, None, None]:
    """The one check pipeline: read, evaluate, across, waivers, result (module docstring).
    Yields ``finish`` of each chunk in input order. With ``account`` (a run over submissions
    given together), the waiver file's own warnings come first and the waivers that matched no
    finding of the run last, as chunks without results; the desk, whose checks come one by
    one, gives ``account=False``."""
    book = steps.waivers if account else None
    if book is not None and book.warnings:
        yield finish(Waived([], list(book.warnings)))
    matched: set[Waiver] = set()
    for chunk in across.run(steps, finish):
        if book is not None:
            matched |= chunk.matched
        yield chunk
    if book is not None:
        from kpcheck.waivers import inapplicable

        unused = inapplicable(book.waivers, matched)
        if unused:
            yield finish(Waived([], unused))


def results_of(chunks: Iterable[Waived]) -> Checked:
    """A run's chunks (``finish`` left out) as one :class:`Checked`."""
    checked = Checked([])
    for chunk in chunks:
        checked.results += chunk.results
        checked.warnings += chunk.notes
    return checked


@dataclass
class Alone:
    """No checks across submissions: each result streamed as it is checked."""

    loaded: Iterable[Loaded]

    def run(self, steps: Steps, finish: Callable[[Waived], T]) -> Iterator[T]:
        for one in self.loaded:
            yield steps.conclude([steps.evaluate(one)], finish)


@dataclass
class History:
    """The rules that need a history (XREF-01/02) against past submissions' keys (``check
    --against``, :meth:`Checker.check` with ``history``); even an empty history checks the
    submissions against each other. The results come once all are checked."""

    loaded: Iterable[Loaded]
    keys: Sequence[XrefKey]
    searched: Sequence[str] = ()  # where the submissions and the history were read (XREF-02's message)

    def run(self, steps: Steps, finish: Callable[[Waived], T]) -> Iterator[T]:
        for result in steps.across(steps.keyed(self.loaded), self.keys, self.searched):
            yield steps.conclude([result], finish)


@dataclass
class InRegister:
    """``check --register`` and the desk with a register: the history rules against the
    register's submissions (and ``extra`` keys of ``--against`` files); with ``record``, the
    readable submissions and their decisions (waivers applied) stored in the same transaction,
    so that of two desks recording one new number, the second sees the first. ``register`` is
    a URL (a plain SQLite register is then read without SQLAlchemy, :mod:`kpcheck.register.quick`)
    or an open :class:`~kpcheck.register.store.Register`. Raises
    :class:`~kpcheck.register.errors.RegisterError`."""

    loaded: Iterable[Loaded]
    register: str | Register
    meta: Mapping[str, Any]
    record: bool = False
    by: str | None = None
    extra: Sequence[XrefKey] = ()
    searched: Sequence[str] = ()  # the checked files and --against sources, beside the register (XREF-02)

    def run(self, steps: Steps, finish: Callable[[Waived], T]) -> Iterator[T]:
        from kpcheck.batch.xref import numbers_of
        from kpcheck.register.urls import database_url, without_password

        read = list(self.loaded)
        pairs = steps.keyed(read)
        numbers = numbers_of(key for _, key in pairs)
        if not self.record and isinstance(self.register, str):
            from kpcheck.register.quick import sqlite_history

            stored = sqlite_history(self.register, numbers)
            if stored is not None:
                where = (without_password(database_url(self.register)), *self.searched)
                for result in steps.across(pairs, [*stored, *self.extra], where):
                    yield steps.conclude([result], finish)
                return
        from kpcheck.register.desk import record_checks
        from kpcheck.register.store import Register, history_keys

        register = (
            Register.open(self.register, create=self.record, readonly=not self.record) if isinstance(self.register, str) else self.register
        )
        meta = {**self.meta, "engine": steps.checker.engine.kind}
        subs = [one.submission for one in read]

        def work(conn: Any) -> list[Waived]:
            history = [*history_keys(conn, numbers, where=register.shown), *self.extra]
            results = steps.across(pairs, history, (register.shown, *self.searched))
            waived = [steps.waive([result]) for result in results]
            if self.record:
                record_checks(conn, [one for chunk in waived for one in chunk.results], subs, meta, self.by)
            return waived

        if self.record:
            chunks = register.write(work)
        else:
            with register.reading() as conn:
                chunks = work(conn)
        for chunk in chunks:
            yield finish(chunk)


@dataclass
class Batch:
    """``audit``: every submission of the sources, with the checks across them (the batch's
    index, and the ``history`` keys of past submissions). Steps 1 and 2 run in the pass-1
    workers, 3 to 5 (``finish`` included) in the pass-2 workers, unit by unit; what the run
    yields may be closed, which stops the workers."""

    sources: list[str]
    options: Mapping[str, Any]
    jobs: int = 1
    progress: Callable[[int], None] | None = None
    history: Sequence[XrefKey] = ()
    units: Iterable[Unit] | None = None  # the sources planned already (expanded once), else planned by the audit

    def run(self, steps: Steps, finish: Callable[[Waived], T]) -> Iterator[T]:
        from kpcheck.batch.audit import audit_parts

        tail = functools.partial(steps.conclude, finish=finish)
        sources, options, checker = self.sources, dict(self.options), steps.checker
        yield from audit_parts(sources, options, self.jobs, self.progress, checker, self.history, tail, steps.lang, self.units)


@dataclass
class RegisterBatch(Batch):
    """``audit --register``: the register's past submissions join the batch's checks across;
    with ``record``, each readable submission is stored with its decision (waived findings
    marked), a thousand to a transaction, under an audit run (resumed when the same audit was
    interrupted), in the main process: after the waivers, before ``finish``. ``recording`` (a
    :class:`kpcheck.register.desk.Recording`) is filled with what was stored, as it goes.
    Raises :class:`~kpcheck.register.errors.RegisterError`."""

    register: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    record: bool = False
    by: str | None = None
    recording: Any = None

    def run(self, steps: Steps, finish: Callable[[Waived], T]) -> Iterator[T]:
        from kpcheck.batch.audit import audit_parts
        from kpcheck.register.desk import Decisions, Recording, audit_history, start_run
        from kpcheck.register.store import Register

        opened = Register.open(self.register, create=self.record, readonly=not self.record)
        identity = {**self.meta, "engine": steps.checker.engine.kind}
        recording = self.recording if self.recording is not None else Recording()
        if self.record:
            start_run(opened, self.sources, identity, self.by, recording)
        opened.close()  # no pooled connection is inherited by the audit's worker processes

        def history(numbers: set[str]) -> list[XrefKey]:  # after pass 1: the numbers it read, no second reading
            return [*audit_history(opened, numbers), *self.history]

        sources, options, checker = self.sources, dict(self.options), steps.checker
        chunks = audit_parts(
            sources, options, self.jobs, self.progress, checker, history, steps.waive, steps.lang, self.units, (opened.shown,)
        )
        decisions = Decisions(opened, self.sources, identity, self.by, recording) if self.record else None
        try:
            for chunk in chunks:
                if decisions is not None:
                    decisions.add(chunk.results)
                yield finish(chunk)
            if decisions is not None:
                decisions.close()
        finally:
            chunks.close()


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
    lang: str | None = None,
) -> Generator[Result, None, None]:
    """An audit's results one by one, in input order, through :func:`run` (:class:`Batch`, or
    :class:`RegisterBatch` with a ``register`` URL); the waivers' warnings go to ``warn``.
    Closing what it returns stops the audit's workers."""
    across: Batch = Batch(sources, options, jobs, progress)
    if register:
        across = RegisterBatch(
            sources, options, jobs, progress, register=register, meta=meta or {}, record=record, by=by, recording=recording
        )
    for chunk in run(Steps(checker, lang or options.get("lang") or checker.lang, waivers), across):
        if warn is not None:
            for problem in chunk.notes:
                warn(problem)
        yield from chunk.results


def read_data(submissions: Sequence[Data], kind: str = "json") -> list[Loaded]:
    """Step 1 for in-memory submissions: their source is ``<data>``, or ``<data:N>`` (1-based)
    when there are several."""
    if len(submissions) == 1:
        return [parse_data(_plain(submissions[0]), "<data>", kind)]
    return [parse_data(_plain(data), f"<data:{n}>", kind) for n, data in enumerate(submissions, 1)]


def _plain(data: Data) -> bytes | str | dict[str, Any]:
    return data if isinstance(data, (bytes, str, dict)) else dict(data)


def history_keys(past: Iterable[Past], kind: str = "json") -> list[XrefKey]:
    """The keys of a history; past submissions that do not read are left out (they cannot
    have been accepted). Paths are read as ``audit`` reads its sources."""
    from kpcheck.batch.xref import XrefKey, key_of
    from kpcheck.input.units import read_all

    keys: list[XrefKey] = []
    for n, item in enumerate(past, 1):
        if isinstance(item, XrefKey):
            keys.append(item)
        elif isinstance(item, Path):
            keys += [key_of(one.submission, one.source) for one in read_all([item]) if one.submission is not None]
        else:
            loaded = parse_data(_plain(item), f"<history:{n}>", kind)
            if loaded.submission is not None:
                keys.append(key_of(loaded.submission, loaded.source))
    return keys


def source_keys(sources: Iterable[str | Path]) -> list[XrefKey]:
    """The keys of past submissions given as files, folders or JSON Lines (``--against``)."""
    return history_keys(Path(source) for source in sources)
