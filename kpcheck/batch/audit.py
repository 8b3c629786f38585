"""Batch audits: every submission of many sources, in parallel, with the checks across them.

Pass 1 reads and checks each submission (per-submission rules) in worker processes — one
engine per process — and spools the result and its :class:`~kpcheck.batch.xref.XrefKey` to a
temporary file, keeping only the compact XREF index in memory. Pass 2 reads the spool in
input order, adds the XREF findings and hands each result on. No report or submission is
held for the whole batch.
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from kpcheck.api import Checker, Result, status_of
from kpcheck.engine import Engine, EngineError
from kpcheck.verdicts import Verdict
from kpcheck.input.reader import InputError, Loaded, display_name, expand, jsonl_lines, parse_jsonl_line, read_file
from kpcheck.batch.workers import WorkerPool
from kpcheck.batch.xref import XrefIndex, XrefKey, XrefView, build_index, key_of

CHUNK_LINES = 500
CHUNK_FILES = 50
CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class Unit:
    """A piece of work for one worker: a byte range of a JSON Lines file, a group of whole
    files, or an error. The worker reads the range itself: only a few numbers cross the pipe."""

    path: str = ""
    first_line: int = 0                # 1-based number of the range's first line; 0: no range
    start: int = 0                     # byte offsets of the range [start, end)
    end: int = 0
    files: tuple[str, ...] = ()
    error: InputError | None = None

    def describe(self) -> str:
        if self.first_line:
            return f"{self.path} from line {self.first_line}"
        if self.files:
            return self.files[0] + (f" and {len(self.files) - 1} more file(s)" if len(self.files) > 1 else "")
        return self.path


def plan_units(sources: Iterable[str | Path]) -> Iterator[Unit]:
    files: list[str] = []
    for item in expand(sources):
        if files and (not isinstance(item, Path) or item.suffix.lower() == ".jsonl" or len(files) >= CHUNK_FILES):
            yield Unit(files=tuple(files))
            files = []
        if isinstance(item, InputError):
            yield Unit(item.location, error=item)
        elif item.suffix.lower() == ".jsonl":
            yield from _jsonl_units(item)
        else:
            files.append(str(item))
    if files:
        yield Unit(files=tuple(files))


def _jsonl_units(path: Path) -> Iterator[Unit]:
    """Ranges of about CHUNK_LINES lines, cut after a LF (the line ending jsonl_lines knows)."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield Unit(str(path), error=InputError(f"cannot read the file ({exc.strerror})", str(path)))
        return
    with stream:
        start, line, buffered = 0, 1, b""
        while True:
            block = stream.read(CHUNK_BYTES)
            if not block:
                break
            buffered += block
            size = _cut(buffered, CHUNK_LINES)
            while size:
                yield Unit(str(path), line, start, start + size)
                start, line, buffered = start + size, line + CHUNK_LINES, buffered[size:]
                size = _cut(buffered, CHUNK_LINES)
        if buffered:
            yield Unit(str(path), line, start, start + len(buffered))


def _cut(data: bytes, lines: int) -> int:
    """The length of ``data`` up to and including its ``lines``-th LF, or 0."""
    at = -1
    for _ in range(lines):
        at = data.find(b"\n", at + 1)
        if at < 0:
            return 0
    return at + 1


def read_range(unit: Unit) -> Iterator[tuple[int, bytes]]:
    with open(unit.path, "rb") as stream:
        stream.seek(unit.start)
        data = stream.read(unit.end - unit.start)
    return jsonl_lines(io.BytesIO(data), unit.first_line)


def count_submissions(sources: Iterable[str | Path]) -> int:
    """How many submissions the sources hold (for the progress bar): files and non-blank lines."""
    total = 0
    for item in expand(sources):
        if isinstance(item, Path) and item.suffix.lower() == ".jsonl":
            try:
                with item.open("rb") as stream:
                    total += sum(1 for _ in jsonl_lines(stream))
            except OSError:
                total += 1
        else:
            total += 1
    return total


def loaded_of(unit: Unit) -> Iterator[Loaded]:
    if unit.error is not None:
        yield Loaded(source=unit.path, error=unit.error)
    if unit.first_line:
        try:
            numbered = list(read_range(unit))
        except OSError as exc:
            where = display_name(unit.path)
            yield Loaded(source=where, error=InputError(f"cannot read the file ({exc.strerror})", where))
            return
        for number, line in numbered:
            yield parse_jsonl_line(line, display_name(unit.path), number)
    for file in unit.files:
        yield from read_file(Path(file))


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

    def read_keys(self) -> list[XrefKey | None]:
        with open(self.path, "rb") as stream:
            return pickle.load(stream)

    def read(self) -> Iterator[tuple[Result, XrefKey | None]]:
        with open(self.path, "rb") as stream:
            keys = pickle.load(stream)
            results = pickle.load(stream)
        return zip(results, keys)


def spool_unit(checker: Checker, unit: Unit, directory: str) -> Spooled:
    """Check a unit and spool its results: the main process only gets the XREF keys back."""
    pairs = check_unit(checker, unit)
    handle, path = tempfile.mkstemp(dir=directory, suffix=".pickle")
    keys = [key for _, key in pairs]
    with os.fdopen(handle, "wb") as stream:      # the keys first: the second XREF look reads only them
        pickle.dump(keys, stream, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump([result for result, _ in pairs], stream, protocol=pickle.HIGHEST_PROTOCOL)
    return Spooled(path, len(pairs), tuple(keys))


_worker: Checker | None = None      # the checker of this process: inherited by forked workers
_options: dict[str, Any] = {}


def _work(task: tuple[Unit, str]) -> Spooled:
    global _worker
    if _worker is None:      # a spawned worker (no fork on this system) loads its own
        _worker = Checker.load(**_options)
    return spool_unit(_worker, *task)


class BatchChecks:
    """The rules across submissions (scope ``batch``) of a checker's rulebook."""

    def __init__(self, checker: Checker, only: set[str] | None = None):
        self.engine = Engine(checker.book, checker.reference, checker.engine.kind, checker.engine.lang, scope="batch")
        self.only = only

    def apply(self, result: Result, key: XrefKey | None, index: XrefIndex) -> Result:
        """The result with the findings across submissions added and its status recomputed."""
        if key is None or result.status is Verdict.ERROR:
            return result
        try:
            evaluation = self.engine.evaluate(None, XrefView(key, index))
        except EngineError as exc:
            return replace(result, status=Verdict.ERROR, error={"message": f"engine failure: {exc}", "location": result.source})
        findings = [f for f in evaluation.findings if self.only is None or f.rule in self.only]
        skipped = [n for n in evaluation.not_applicable if self.only is None or n.rule in self.only]
        merged = sorted([*result.findings, *findings], key=lambda f: f.rule)
        return replace(result, findings=merged, status=status_of(merged),
                       not_applicable=sorted([*result.not_applicable, *skipped], key=lambda n: n.rule))


def audit(sources: list[str], options: dict[str, Any], jobs: int = 1,
          progress: Callable[[int], None] | None = None, checker: Checker | None = None,
          history: Sequence[XrefKey] = ()) -> Iterator[Result]:
    """Every submission of the sources, checked, in input order, with XREF findings.

    ``options`` are :meth:`Checker.load`'s, for worker processes that cannot be forked;
    ``checker``, when the caller has one loaded with them already, is used instead of a
    second load. A lost worker raises :class:`~kpcheck.batch.workers.WorkerLost`; the spool
    folder is removed on every way out, the workers stopped.
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
                for key in unit.read_keys():
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
    global _worker, _options
    units = plan_units(sources)
    if jobs <= 1:
        for unit in units:
            yield spool_unit(checker, unit, directory)
        return
    _worker, _options = checker, options
    with WorkerPool(jobs, _work, describe=lambda task: task[0].describe()) as pool:
        yield from pool.map((unit, directory) for unit in units)


def check_with_history(checker: Checker, results: list[tuple[Result, XrefKey | None]],
                       history: list[XrefKey]) -> list[Result]:
    """The rules that need a history (``needs: history`` in their rule files: XREF-01/02) of the
    checked submissions against the keys of past ones (``check --against`` reads them from
    files, ``check --register`` from the register)."""
    keys = [key for _, key in results if key is not None]
    index = build_index([*keys, *history])
    batch = BatchChecks(checker, only=checker.book.history_rules())
    return [batch.apply(result, key, index) for result, key in results]
