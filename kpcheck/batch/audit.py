"""Batch audits: every submission of many sources, in parallel, with the checks across them.

Pass 1 reads and checks each submission (per-submission rules) in worker processes — one
engine per process — and spools the result and its :class:`~kpcheck.batch.xref.XrefKey` to a
temporary file, keeping only the compact XREF index in memory. Pass 2, once the index is
frozen, runs in worker processes forked then (they share the index copy-on-write): each reads
one spooled unit, adds the XREF findings and hands the unit's results to a ``finish``
function of the caller's (in the worker: the CLI renders the unit's part of the reports
there); the main process gets the parts back in input order. No report or submission is held
for the whole batch.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from kpcheck.batch import reaper, spool
from kpcheck.batch.workers import WorkerPool, batch_collections, can_fork, max_jobs
from kpcheck.batch.xref import (
    IndexPart,
    XrefIndex,
    XrefKey,
    XrefView,
    build_index,
    content_hash,
    index_part,
    key_of,
    numbers_of,
    pack_members,
    pack_prices,
    packed,
)
from kpcheck.checker import Checker
from kpcheck.engine import Engine, EngineError
from kpcheck.engine.evaluation import MEMO_SIZE
from kpcheck.i18n.labels import N_
from kpcheck.input.units import Unit, loaded_of, plan_units
from kpcheck.problems import Worded
from kpcheck.results import Result, status_of
from kpcheck.verdicts import Verdict


def check_unit(checker: Checker, unit: Unit, lang: str = "en", content: bool = True) -> list[tuple[Result, XrefKey | None]]:
    """Steps 1 and 2 of a check (:mod:`kpcheck.checking`) for one unit: read and evaluate;
    ``content``: the keys with their content hash (:func:`~kpcheck.batch.xref.key_of`)."""
    out = []
    for loaded in loaded_of(unit):
        result = checker.check_loaded(loaded, lang)
        key = key_of(loaded.submission, loaded.source, content) if loaded.submission is not None else None
        out.append((result, key))
    return out


@dataclass(frozen=True)
class Spooled:
    """The checked results of one unit, spooled to a file of their own by whoever checked them
    (:mod:`kpcheck.batch.spool`)."""

    path: str
    count: int
    what: str = ""  # the unit, for messages
    index: IndexPart | None = None  # what it adds to the XREF index (dropped once added)
    numbers: frozenset[str] = frozenset()  # its certificate numbers and originals, when the audit asks (a history by number)
    unit: Unit | None = None  # what was read, to read a submission of it again (keys without their content hash)

    def read_members(self) -> tuple[bytes, tuple[tuple[str, bytes], ...]]:
        """The unit's keys as :func:`~kpcheck.batch.xref.pack_members` and
        :func:`~kpcheck.batch.xref.pack_prices` packed them."""
        with open(self.path, "rb") as stream:
            members: tuple[bytes, tuple[tuple[str, bytes], ...]] = spool.read_members(stream)
            return members

    def read_keys(self) -> list[XrefKey]:
        """The unit's keys that are not None, in order (what :meth:`read_members` packed)."""
        with open(self.path, "rb") as stream:
            keys = spool.read_keys(stream)
        return [key for key in keys if key is not None]

    def read(self) -> Iterator[tuple[Result, XrefKey | None]]:
        with open(self.path, "rb") as stream:
            return spool.read(stream)


class AuditStopped(Worded, RuntimeError):
    """What stops an audit that is not the input's fault nor a lost worker; its message says
    why and what to do (a worker hands it back without a traceback), in the run's language."""

    plain = True


class SpoolFull(AuditStopped):
    """The audit's spool cannot be written (a full or unwritable temporary folder)."""


class SourceChanged(AuditStopped):
    """A source no longer holds, between an audit's passes, a submission pass 1 read there
    (:func:`reread_contents`)."""


def spool_unit(checker: Checker, unit: Unit, directory: str, lang: str = "en", numbers: bool = False, content: bool = True) -> Spooled:
    """Check a unit and spool its results: the main process only gets the unit's part of the
    XREF index back, packed (and, with ``numbers``, the numbers a history is looked up by). A
    spool that cannot be written raises :class:`SpoolFull`. Without ``content`` the keys lack
    their content hash (:func:`reread_contents` makes the few that are wanted)."""
    pairs = check_unit(checker, unit, lang, content)
    keys = [key for _, key in pairs]
    prices = pack_prices(keys)
    path = ""
    try:
        handle, path = tempfile.mkstemp(dir=directory, suffix=".pickle")
        with os.fdopen(handle, "wb") as stream:  # the packed keys first: the second XREF look reads only them
            spool.write(stream, (pack_members(keys), prices), pairs)
    except OSError as exc:
        if path:
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise spool_full(exc, directory) from None
    found = frozenset(numbers_of(keys)) if numbers else frozenset()
    return Spooled(path, len(pairs), unit.describe(), index_part(keys, prices), found, None if content else unit)


def spool_full(exc: OSError, directory: str) -> SpoolFull:
    """The spool cannot be written: why, and what to do."""
    return SpoolFull(
        N_(
            "cannot write the audit's spool in {folder} ({reason}); "
            "free space there or point TMPDIR at a folder with room (the spool takes about 3 kB a submission)"
        ),
        folder=directory,
        reason=str(exc.strerror or exc),
    )


_worker: Checker | None = None  # the checker of this process: inherited by forked workers
_options: dict[str, Any] = {}


def _work(task: tuple[Unit, str, str, bool, bool]) -> Spooled:
    global _worker
    if _worker is None:  # a spawned worker (no fork on this system) loads its own
        _worker = Checker.load(**_options)
    return spool_unit(_worker, *task)


def _rule(item: Any) -> str:
    rule: str = item.rule
    return rule


def _merged(first: list[Any], then: list[Any]) -> list[Any]:
    """Two lists in rule id order as one: joined when the second begins after the first ends
    (the rules across submissions usually sort last), else sorted."""
    if not first or first[-1].rule <= then[0].rule:
        return [*first, *then]
    return sorted([*first, *then], key=_rule)


class BatchChecks:
    """The rules across submissions (scope ``batch``) of a checker's rulebook."""

    def __init__(self, checker: Checker, only: set[str] | None = None, lang: str = "en"):
        self.engine = Engine(checker.book, checker.reference, checker.engine.kind, scope="batch")
        self.only, self.lang = only, lang
        self.quiet = quiet_plan(self.engine)
        self._memo: dict[Any, list[Any]] = {}  # (day or period, XREF-02's answer) -> not applicable, of a quiet key
        self._memo_of: XrefIndex | None = None  # the index the memo holds for

    def apply(self, result: Result, key: XrefKey | None, index: XrefIndex) -> Result:
        """The result with the findings across submissions added and its status recomputed."""
        if key is None or result.status is Verdict.ERROR:
            return result
        checked = replace(result)
        self.add_to(checked, key, index)
        return checked

    def add_to(self, result: Result, key: XrefKey, index: XrefIndex) -> None:
        """:meth:`apply` in place, for a result of :meth:`Checker.check_loaded` that nobody else
        holds (an audit's pass 2). Its findings are sorted by rule and its status is theirs
        already: only new findings change them."""
        if result.status is Verdict.ERROR:
            return
        quiet = self._quiet_key(key, index)
        skipped = self._memo.get(quiet) if quiet is not None else None
        if skipped is None:
            try:
                evaluation = self.engine.evaluate(None, XrefView(key, index), lang=self.lang)
            except EngineError as exc:
                result.status, result.error = Verdict.ERROR, {"message": f"engine failure: {exc}", "location": result.source}
                return
            only = self.only
            findings = [f for f in evaluation.findings if only is None or f.rule in only]
            skipped = [n for n in evaluation.not_applicable if only is None or n.rule in only]
            if quiet is not None and not evaluation.findings:
                if len(self._memo) >= MEMO_SIZE:
                    self._memo.clear()
                self._memo[quiet] = skipped
        else:
            findings = []
        if findings:
            result.findings = _merged(result.findings, findings)
            result.status = status_of(result.findings)
        if skipped:
            result.not_applicable = _merged(result.not_applicable, skipped)

    def _quiet_key(self, key: XrefKey, index: XrefIndex) -> Any:
        """What decides the outcome of a quiet key (:func:`quiet_plan`: of no repeated number,
        no line beyond a median), for the memo of :meth:`add_to`; None for any other key. The
        day counts as the engine's memo counts it: only its period when every rule is in force."""
        plan = self.quiet
        if plan is None or key.presented_on is None or index.repeats(key):
            return None
        if any(index.price_outliers(key, ratio, min_lines) for ratio, min_lines in plan):
            return None
        if index is not self._memo_of:
            self._memo, self._memo_of = {}, index
        period = self.engine.periods.of(key.presented_on)
        return (key.presented_on if period is None else period, index.original_known(key))


QUIET_FACTS = frozenset({"xref_same_number", "xref_same_number_who", "xref_searched", "xref_original_known"})


def quiet_plan(engine: Engine) -> tuple[tuple[Decimal, int], ...] | None:
    """When the rules across submissions read of a view only its date and the XREF facts (the
    shipped rulebook's do), the (ratio, min_lines) XREF-03's facts are asked with: a key of no
    repeated number and no line beyond them has the outcome of any other such key of its day
    and XREF-02 answer, which :meth:`BatchChecks.add_to` memoises. None when they read more."""
    projector = engine.projector
    if set(projector.paths) != {"presented_on"} or projector.lists:
        return None
    outliers = []
    for name in projector.top_lets:
        let = engine.book.lets[name]
        args = dict(let.args)
        if let.fact == "xref_price_outliers" and set(args) == {"ratio", "min_lines"}:
            ratio, min_lines = args["ratio"], args["min_lines"]
            if not isinstance(ratio, (Decimal, int)) or not isinstance(min_lines, (Decimal, int)):
                return None
            outliers.append((Decimal(ratio), int(min_lines)))
        elif let.fact not in QUIET_FACTS or args:
            return None
    return tuple(outliers)


def audit(
    sources: list[str],
    options: dict[str, Any],
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    checker: Checker | None = None,
    history: Sequence[XrefKey] = (),
    lang: str = "en",
    searched: Sequence[str] = (),
) -> Iterator[Result]:
    """Every submission of the sources, checked, in input order, with XREF findings
    (:func:`audit_parts`, each unit's results as they are)."""
    for part in audit_parts(sources, options, jobs, progress, checker, history, lang=lang, searched=searched):
        yield from part


def audit_parts(
    sources: list[str],
    options: dict[str, Any],
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    checker: Checker | None = None,
    history: Sequence[XrefKey] | Callable[[set[str]], Sequence[XrefKey]] = (),
    finish: Callable[[list[Result]], Any] = list,
    lang: str = "en",
    units: Iterable[Unit] | None = None,
    searched: Sequence[str] = (),
) -> Generator[Any, None, None]:
    """``finish`` of the results of every unit of the sources, checked, with XREF findings, in
    input order.

    ``finish`` gets the results of one unit in input order and runs where pass 2 runs: in the
    worker processes when there are several jobs and the system can fork (its return value is
    pickled back), else here. ``options`` are :meth:`Checker.load`'s, for worker processes that
    cannot be forked; ``checker``, when the caller has one loaded with them already, is used
    instead of a second load. A lost worker raises :class:`~kpcheck.batch.workers.WorkerLost`,
    an exception in a task :class:`~kpcheck.batch.workers.WorkerFailed`; the spool folder is
    removed on every way out, the workers stopped. ``history`` holds the keys of past
    submissions (``audit --register``): they join the index as ``check --against`` files do,
    without results of their own; given as a function, it is asked once pass 1 is done, with the
    certificate numbers (and duplicates' originals) pass 1 read, so that the sources are read
    once. ``lang``: the language of the findings' texts. ``units``: the sources planned already
    (:func:`~kpcheck.input.units.plan_units`, expanded once), else they are planned here.
    ``searched`` says where the history comes from (a register's URL), for XREF-02's message.
    """
    checker = checker or Checker.load(**options)
    jobs = min(jobs, max_jobs())
    with batch_collections(), _spool() as directory:
        index = XrefIndex(searched=(*map(str, sources), *searched))
        spooled: list[Spooled] = []
        by_number = callable(history)
        content = by_number or bool(history)  # a history's keys carry theirs: compared with every key
        numbers: set[str] = set()
        planned = plan_units(sources) if units is None else units
        for unit in _pass_one(planned, options, jobs, checker, directory, lang, by_number, content):
            if unit.index is not None:
                index.add_part(unit.index)
            numbers |= unit.numbers
            spooled.append(replace(unit, index=None, numbers=frozenset()))  # the keys live on in the index only
            if progress:
                progress(unit.count)
        past = history(numbers) if callable(history) else history
        numbers.clear()
        _second_look(index, spooled, past)
        yield from _pass_two(spooled, jobs, (index, BatchChecks(checker, lang=lang), finish))


def _second_look(index: XrefIndex, spooled: list[Spooled], history: Sequence[XrefKey]) -> None:
    """The index completed: the history's keys join as the units' did, then the second look
    reads every unit's packed keys back."""
    past = packed(history)
    index.add_keys(past)
    index.freeze()
    for place, unit in enumerate(spooled):  # a few packed bytes per submission, read back
        index.add_reused_packed(*unit.read_members(), unit.read_keys, place)
    index.add_reused_keys(past)
    reread_contents(index, spooled)
    index.settle(drop_runs=True)  # XREF-02's counts are in: the pass-2 workers need no runs


def reread_contents(index: XrefIndex, spooled: list[Spooled]) -> None:
    """The content hashes the index lacks (:meth:`~kpcheck.batch.xref.XrefIndex.lacking`: keys
    made without them that share a number and an id with another), made from their submissions
    read again from their sources; a source that no longer holds one raises :class:`SourceChanged`."""
    wanted: dict[int, dict[str, int]] = {}
    for place, source, id_hash in list(index.lacking()):
        wanted.setdefault(place, {})[source] = id_hash
    for place, sources in wanted.items():
        unit = spooled[place].unit
        assert unit is not None, "a unit spooled with its content hashes"
        found = {loaded.source: loaded.submission for loaded in loaded_of(unit, set(sources))}
        for source, id_hash in sources.items():
            sub = found.get(source)
            if sub is None or key_of(sub, source, content=False).id_hash != id_hash:
                raise SourceChanged(
                    N_("{source} changed during the audit (read again for XREF-01, it no longer holds the submission read first)"),
                    source=source,
                )
            index.set_content(source, id_hash, content_hash(sub))


@contextlib.contextmanager
def _spool() -> Iterator[str]:
    """The audit's spool folder (:func:`kpcheck.batch.reaper.spool_folder`), removed on every
    way out, and by the reaper should the process be killed."""
    try:
        directory = reaper.spool_folder()
    except OSError as exc:
        raise spool_full(exc, tempfile.gettempdir()) from None
    reaper.watch(directory)
    try:
        yield directory
    finally:
        reaper.release(directory)


PassTwo = tuple[XrefIndex, BatchChecks, Callable[[list[Result]], Any]]
_pass_two_state: PassTwo | None = None  # set while the pass-2 workers are forked: they inherit it


def finish_unit(unit: Spooled, state: PassTwo | None = None) -> Any:
    """Pass 2 of one spooled unit: its results with the XREF findings (and the US$/ct of their
    lines, for the reports), handed to the audit's ``finish``; ``state`` is the audit's index,
    XREF rules and ``finish`` (in a pass-2 worker: the one it inherited)."""
    state = state or _pass_two_state
    assert state is not None, "finish_unit runs inside audit_parts only"
    index, batch, finish = state
    results = []
    for result, key in unit.read():
        if key is not None:
            batch.add_to(result, key, index)
            result.prices = key.prices
        results.append(result)
    return finish(results)


def _pass_two(spooled: list[Spooled], jobs: int, state: PassTwo) -> Iterator[Any]:
    """Each unit's ``finish``, in order. The state goes to forked workers through a global set
    only while they start, so that audits run side by side (``rules impact``) never share it."""
    global _pass_two_state
    if jobs <= 1 or len(spooled) < 2 or not can_fork():  # spawned workers would not have the index
        for unit in spooled:
            part = finish_unit(unit, state)
            os.remove(unit.path)
            yield part
        return
    _pass_two_state = state
    try:
        pool = WorkerPool(min(jobs, len(spooled)), _work_two, describe=lambda unit: f"{unit.what}, across submissions")
    finally:
        _pass_two_state = None
    with pool:
        for unit, part in zip(spooled, pool.map(spooled)):
            os.remove(unit.path)
            yield part


def _work_two(unit: Spooled) -> Any:
    return finish_unit(unit)


def _pass_one(
    units: Iterable[Unit],
    options: dict[str, Any],
    jobs: int,
    checker: Checker,
    directory: str,
    lang: str,
    numbers: bool,
    content: bool = True,
) -> Iterator[Spooled]:
    global _worker, _options
    if jobs <= 1:
        for unit in units:
            yield spool_unit(checker, unit, directory, lang, numbers, content)
        return
    _worker, _options = checker, options
    with WorkerPool(jobs, _work, describe=lambda task: task[0].describe(), lazy=True) as pool:
        yield from pool.map((unit, directory, lang, numbers, content) for unit in units)


def check_with_history(
    checker: Checker,
    results: list[tuple[Result, XrefKey | None]],
    history: list[XrefKey],
    lang: str = "en",
    searched: Sequence[str] = (),
) -> list[Result]:
    """The rules that need a history (``needs: history`` in their rule files: XREF-01/02) of the
    checked submissions against the keys of past ones (``check --against`` reads them from
    files, ``check --register`` from the register); ``searched`` names where (XREF-02's message)."""
    keys = [key for _, key in results if key is not None]
    index = build_index([*keys, *history])
    index.searched = tuple(searched)
    batch = BatchChecks(checker, only=checker.book.history_rules(), lang=lang)
    return [batch.apply(result, key, index) for result, key in results]
