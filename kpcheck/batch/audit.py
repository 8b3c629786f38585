"""Batch audits: every submission of many sources, in parallel, with the checks across them.

Pass 1 reads and checks each submission (per-submission rules) in worker processes — one
engine per process — and spools the result and its :class:`~kpcheck.batch.xref.XrefKey` to a
temporary file, keeping only the compact XREF index in memory. Pass 2 reads the spool in
input order, adds the XREF findings and hands each result on. No report or submission is
held for the whole batch.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from kpcheck.api import Checker, Result, status_of
from kpcheck.engine import Engine, EngineError
from kpcheck.input.reader import InputError, Loaded, display_name, expand, guarded, parse_json, read_file
from kpcheck.batch.xref import XrefIndex, XrefKey, XrefView, build_index, key_of

CHUNK_LINES = 500


@dataclass(frozen=True)
class Unit:
    """A piece of work for one worker: a whole file, or a run of JSON Lines."""

    path: str
    first_line: int = 0                # 1-based line of the first entry of `lines`; 0 for a whole file
    lines: tuple[bytes, ...] = ()
    error: InputError | None = None


def plan_units(sources: Iterable[str | Path]) -> Iterator[Unit]:
    for item in expand(sources):
        if isinstance(item, InputError):
            yield Unit(item.location, error=item)
        elif item.suffix.lower() == ".jsonl":
            yield from _jsonl_units(item)
        else:
            yield Unit(str(item))


def _jsonl_units(path: Path) -> Iterator[Unit]:
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield Unit(display_name(path), error=InputError(f"cannot read the file ({exc.strerror})", display_name(path)))
        return
    with stream:
        batch: list[bytes] = []
        first = 1
        for number, line in enumerate(stream, start=1):
            if not batch:
                first = number
            batch.append(line)
            if len(batch) >= CHUNK_LINES:
                yield Unit(str(path), first, tuple(batch))
                batch = []
        if batch:
            yield Unit(str(path), first, tuple(batch))


def count_submissions(sources: Iterable[str | Path]) -> int:
    """How many submissions the sources hold (for the progress bar): files and non-blank lines."""
    total = 0
    for item in expand(sources):
        if isinstance(item, Path) and item.suffix.lower() == ".jsonl":
            with item.open("rb") as stream:
                total += sum(1 for line in stream if line.strip())
        else:
            total += 1
    return total


def loaded_of(unit: Unit) -> Iterator[Loaded]:
    if unit.error is not None:
        yield Loaded(source=unit.path, error=unit.error)
    elif unit.first_line:
        for offset, line in enumerate(unit.lines):
            if line.strip():
                number = unit.first_line + offset
                yield guarded(parse_json, line, f"{display_name(unit.path)}:{number}", number - 1)
    else:
        yield from read_file(Path(unit.path))


def check_unit(checker: Checker, unit: Unit) -> list[tuple[Result, XrefKey | None]]:
    out = []
    for loaded in loaded_of(unit):
        result = checker.check_loaded(loaded)
        key = key_of(loaded.submission) if loaded.submission is not None else None
        out.append((result, key))
    return out


@dataclass(frozen=True)
class Spooled:
    """The checked results of one unit, pickled to a file of their own by whoever checked them."""

    path: str
    count: int
    keys: tuple[XrefKey | None, ...] = ()

    def read(self) -> Iterator[tuple[Result, XrefKey | None]]:
        with open(self.path, "rb") as stream:
            for _ in range(self.count):
                yield pickle.load(stream)


def spool_unit(checker: Checker, unit: Unit, directory: str) -> Spooled:
    """Check a unit and spool its results: the main process only gets the XREF keys back."""
    pairs = check_unit(checker, unit)
    handle, path = tempfile.mkstemp(dir=directory, suffix=".pickle")
    with os.fdopen(handle, "wb") as stream:
        for pair in pairs:
            pickle.dump(pair, stream, protocol=pickle.HIGHEST_PROTOCOL)
    return Spooled(path, len(pairs), tuple(key for _, key in pairs))


_worker: Checker | None = None


def _init_worker(recipe: tuple[Any, ...]) -> None:
    global _worker
    _worker = Checker.rebuild(recipe)   # the parent's rulebook, not the files as they are now


def _work(task: tuple[Unit, str]) -> Spooled:
    assert _worker is not None
    return spool_unit(_worker, *task)


class BatchChecks:
    """The rules across submissions (scope ``batch``) of a checker's rulebook."""

    def __init__(self, checker: Checker, only: set[str] | None = None):
        self.engine = Engine(checker.book, checker.reference, checker.engine.kind, checker.engine.lang, scope="batch")
        self.only = only

    def apply(self, result: Result, key: XrefKey | None, index: XrefIndex) -> Result:
        """The result with the findings across submissions added and its status recomputed."""
        if key is None or result.status == "error":
            return result
        try:
            evaluation = self.engine.evaluate(None, XrefView(key, index))
        except EngineError as exc:
            return replace(result, status="error", error={"message": f"engine failure: {exc}", "location": result.source})
        findings = [f for f in evaluation.findings if self.only is None or f.rule in self.only]
        skipped = [n for n in evaluation.not_applicable if self.only is None or n.rule in self.only]
        merged = sorted([*result.findings, *findings], key=lambda f: f.rule)
        return replace(result, findings=merged, status=status_of(merged),
                       not_applicable=sorted([*result.not_applicable, *skipped], key=lambda n: n.rule))


def audit(sources: list[str], options: dict[str, Any], jobs: int = 1,
          progress: Callable[[int], None] | None = None, checker: Checker | None = None,
          history: Sequence[XrefKey] = ()) -> Iterator[Result]:
    """Every submission of the sources, checked, in input order, with XREF findings.

    ``options`` are :meth:`Checker.load`'s, for the worker processes; ``checker``, when the
    caller has one loaded with them already, is used in this process instead of a second load.
    ``history`` holds the keys of past submissions (``audit --register``): they join the index
    as ``check --against`` files do, without results of their own.
    """
    checker = checker or Checker.load(**options)
    with tempfile.TemporaryDirectory(prefix="kpcheck-audit-") as directory:
        index = XrefIndex()
        spooled: list[Spooled] = []
        for unit in _pass_one(sources, options, jobs, checker, directory):
            for key in unit.keys:
                if key is not None:
                    index.add(key)
            spooled.append(replace(unit, keys=()))       # the keys live on in the index only
            if progress:
                progress(unit.count)
        for key in history:
            index.add(key)
        index.freeze()
        if index.needs_second_look:
            for unit in spooled:
                for _, key in unit.read():
                    if key is not None:
                        index.add_reused(key)
            for key in history:
                index.add_reused(key)
        batch = BatchChecks(checker)
        for unit in spooled:
            for result, key in unit.read():
                checked = batch.apply(result, key, index)
                yield replace(checked, prices=key.prices) if key is not None else checked
            os.remove(unit.path)


def _pass_one(sources: list[str], options: dict[str, Any], jobs: int, checker: Checker,
              directory: str) -> Iterator[Spooled]:
    units = plan_units(sources)
    if jobs <= 1:
        for unit in units:
            yield spool_unit(checker, unit, directory)
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with context.Pool(jobs, initializer=_init_worker, initargs=(checker.recipe(),)) as pool:
        yield from pool.imap(_work, ((unit, directory) for unit in units), chunksize=1)


def check_against(checker: Checker, results: list[tuple[Result, XrefKey | None]],
                  past: list[str]) -> list[Result]:
    """``check --against``: XREF-01 and XREF-02 of the checked submissions against past ones."""
    history = [key_of(loaded.submission) for loaded in (l for unit in plan_units(past) for l in loaded_of(unit))
               if loaded.submission is not None]
    return check_with_history(checker, results, history)


def check_with_history(checker: Checker, results: list[tuple[Result, XrefKey | None]],
                       history: list[XrefKey]) -> list[Result]:
    """XREF-01 and XREF-02 of the checked submissions against the keys of past ones
    (``check --against`` reads them from files, ``check --register`` from the register)."""
    keys = [key for _, key in results if key is not None]
    index = build_index([*keys, *history])
    batch = BatchChecks(checker, only={"XREF-01", "XREF-02"})
    return [batch.apply(result, key, index) for result, key in results]
