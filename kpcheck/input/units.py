"""Reading sources in units: what an audit's workers, the register's import and a history read.

A source list (files, folders, JSON Lines, ``-``) is expanded once into :class:`Unit` pieces of
work: a byte range of about ``CHUNK_LINES`` lines of a JSON Lines file, a group of whole files,
or an error; a worker reads its unit itself (:func:`loaded_of`), so that only a few numbers
cross the pipe. :func:`read_all` reads every submission of the sources in input order, as
``audit`` does; :func:`count_submissions` counts them for a progress bar.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kpcheck.input.limits import max_size
from kpcheck.input.reader import (
    CANNOT_READ_FILE,
    InputError,
    Loaded,
    display_name,
    expand,
    jsonl_lines,
    parse_jsonl_line,
    read_file,
    too_big,
)

CHUNK_LINES = 500
CHUNK_FILES = 50
CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class Unit:
    """A piece of work for one worker: a byte range of a JSON Lines file, a group of whole
    files, or an error. The worker reads the range itself: only a few numbers cross the pipe."""

    path: str = ""
    first_line: int = 0  # 1-based number of the range's first line; 0: no range
    start: int = 0  # byte offsets of the range [start, end)
    end: int = 0
    files: tuple[str, ...] = ()
    error: InputError | None = None
    count: int = 0  # the submissions it holds, when planned with count=True (0: not counted)

    def describe(self) -> str:
        if self.first_line:
            return f"{self.path} from line {self.first_line}"
        if self.files:
            return self.files[0] + (f" and {len(self.files) - 1} more file(s)" if len(self.files) > 1 else "")
        return self.path


def plan_units(sources: Iterable[str | Path], count: bool = False) -> Iterator[Unit]:
    """The sources expanded (once) into units, in input order; with ``count`` each unit says how
    many submissions it holds (files, and the non-blank lines of a range), for a progress bar."""
    files: list[str] = []
    for item in expand(sources):
        if files and (not isinstance(item, Path) or item.suffix.lower() == ".jsonl" or len(files) >= CHUNK_FILES):
            yield Unit(files=tuple(files), count=len(files) if count else 0)
            files = []
        if isinstance(item, InputError):
            yield Unit(item.location, error=item, count=1 if count else 0)
        elif item.suffix.lower() == ".jsonl":
            yield from _jsonl_units(item, count)
        else:
            files.append(str(item))
    if files:
        yield Unit(files=tuple(files), count=len(files) if count else 0)


def _non_blank(data: bytes) -> int:
    """The lines :func:`~kpcheck.input.reader.jsonl_lines` yields of ``data``."""
    return sum(1 for line in data.split(b"\n") if line.strip())


def _jsonl_units(path: Path, count: bool = False) -> Iterator[Unit]:
    """Ranges of about CHUNK_LINES lines, cut after a LF (the line ending jsonl_lines knows)."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield Unit(str(path), error=InputError.said(str(path), CANNOT_READ_FILE, reason=str(exc.strerror)), count=1 if count else 0)
        return
    limit = max_size()
    with stream:
        start, line, buffered = 0, 1, b""
        while True:
            block = stream.read(CHUNK_BYTES)
            if not block:
                break
            buffered += block
            size = _cut(buffered, CHUNK_LINES)
            while size:
                yield Unit(str(path), line, start, start + size, count=_non_blank(buffered[:size]) if count else 0)
                start, line, buffered = start + size, line + CHUNK_LINES, buffered[size:]
                size = _cut(buffered, CHUNK_LINES)
            if len(buffered) > limit:  # a line longer than the limit is not held whole
                last = buffered.rfind(b"\n")
                if last >= 0:
                    size = last + 1
                    yield Unit(str(path), line, start, start + size, count=_non_blank(buffered[:size]) if count else 0)
                    start, line, buffered = start + size, line + buffered[:size].count(b"\n"), buffered[size:]
                if len(buffered) > limit:
                    where = f"{display_name(path)}:{line}"
                    yield Unit(str(path), error=too_big("the line holds", limit, where), count=1 if count else 0)
                    skipped, buffered = _skip_line(stream, buffered)
                    start, line = start + skipped, line + 1
        if buffered:
            yield Unit(str(path), line, start, start + len(buffered), count=_non_blank(buffered) if count else 0)


def _skip_line(stream: IO[bytes], buffered: bytes) -> tuple[int, bytes]:
    """Read past the end of the line ``buffered`` begins (it holds no LF yet): how many bytes
    that line took with its LF, and what was read after it."""
    skipped = len(buffered)
    while True:
        block = stream.read(CHUNK_BYTES)
        if not block:
            return skipped, b""
        at = block.find(b"\n")
        if at >= 0:
            return skipped + at + 1, block[at + 1 :]
        skipped += len(block)


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
    return sum(unit.count for unit in plan_units(sources, count=True))


def loaded_of(unit: Unit, only: set[str] | None = None) -> Iterator[Loaded]:
    """Every submission of a unit, in order; ``only``: of those read from these sources alone
    (``file:line`` of a JSON Lines range, a file's name), the others not parsed (an audit reads
    a few submissions again, :func:`kpcheck.batch.audit.reread_contents`)."""
    if unit.error is not None and only is None:
        yield Loaded(source=unit.path, error=unit.error)
    if unit.first_line:
        where = display_name(unit.path)
        try:
            numbered = list(read_range(unit))
        except OSError as exc:
            yield Loaded(source=where, error=InputError.said(where, CANNOT_READ_FILE, reason=str(exc.strerror)))
            return
        limit = max_size()  # once a range: the environment is read for every line otherwise
        for number, line in numbered:
            if only is None or f"{where}:{number}" in only:
                yield parse_jsonl_line(line, where, number, limit)
    for file in unit.files:
        if only is None or display_name(file) in only:
            yield from read_file(Path(file))


def read_all(sources: Iterable[str | Path]) -> Iterator[Loaded]:
    """Every submission of the sources, in input order, as ``audit`` reads them."""
    for unit in plan_units(sources):
        yield from loaded_of(unit)
