"""Report and document files: written whole or not at all, never over an input.

A report goes to a temporary file beside its target and is renamed over it only when the
run has written it completely, so that a full disk, Ctrl-C or a crash never leaves a
truncated report in place (the old file, if any, stays). A target that is no regular file
(``/dev/stdout``, a named pipe, ``/dev/full``) is written directly. Every problem is a clear
message and exit 2; nothing here lets an ``OSError`` become a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, NoReturn

from kpcheck.batch import reaper
from kpcheck.cli.console import say
from kpcheck.cli.exits import Failed
from kpcheck.input.reader import InputError, expand

SUBMISSION_SUFFIXES = (".json", ".yaml", ".yml", ".jsonl")


def fail(message: str) -> NoReturn:
    raise Failed(message)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except (OSError, RuntimeError):
        return False


def refuse_clashes(targets: Iterable[tuple[str, str | None]], inputs: Iterable[str]) -> None:
    """Exit 2 when two outputs share a file, or an output would be written over an input
    (a file given, or a submission file inside a folder given)."""
    files = [(what, Path(file)) for what, file in targets if file is not None]
    for i, (what, path) in enumerate(files):
        for other_what, other in files[:i]:
            if _same(path, other):
                fail(
                    say(
                        "{path}: both the {first} and the {second} would be written to this file; give each its own file",
                        path=path,
                        first=other_what,
                        second=what,
                    )
                )
        for source in inputs:
            given = Path(source)
            if _same(path, given):
                fail(say("{path}: the {what} would be written over an input; give another file", path=path, what=what))
            if given.is_dir() and path.suffix.lower() in SUBMISSION_SUFFIXES and path.is_file() and _inside(path, given):
                fail(
                    say(
                        "{path}: the {what} would be written over a submission in {folder}; give another file",
                        path=path,
                        what=what,
                        folder=given,
                    )
                )


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def refuse_unreadable(sources: Iterable[str], option: str) -> None:
    """Exit 2 unless every source and every submission file in its folders can be read:
    a history that was not consulted must never look like one that was."""
    for item in expand(sources):
        if isinstance(item, InputError):
            fail(f"{option} {item.location}: {item.message}; {say('nothing was checked')}")
        elif not os.access(item, os.R_OK):
            fail(say("{option} {path}: the file cannot be read; nothing was checked", option=option, path=item))
    for source in sources:
        for folder in [Path(source), *(p for p in Path(source).rglob("*") if p.is_dir())] if Path(source).is_dir() else []:
            if not os.access(folder, os.R_OK | os.X_OK):
                fail(say("{option} {path}: the folder cannot be read; nothing was checked", option=option, path=folder))


class AtomicFile:
    """A text file written under a temporary name and renamed into place by :meth:`commit`."""

    def __init__(self, target: str, what: str):
        self.target, self.what = Path(target), what
        self.temp: str | None = None
        try:
            if self.target.exists() and not self.target.is_file():  # a device or a pipe
                self.stream: IO[str] = open(self.target, "w", encoding="utf-8", newline="")
                return
            handle, self.temp = tempfile.mkstemp(dir=self.target.parent or ".", prefix=f".{self.target.name}.", suffix=".tmp")
            reaper.watch(self.temp)  # removed should the run be killed (an audit's watcher)
            self.stream = os.fdopen(handle, "w", encoding="utf-8", newline="")
        except OSError as exc:
            fail(say("{path}: cannot write the {what} ({reason}); nothing was written", path=target, what=what, reason=exc.strerror or exc))

    def commit(self) -> None:
        try:
            self.stream.close()
            if self.temp is not None:
                os.chmod(self.temp, 0o666 & ~_umask())
                os.replace(self.temp, self.target)
                reaper.unwatch(self.temp)
                self.temp = None
        except OSError as exc:
            self.discard()
            fail(
                say(
                    "{path}: cannot write the {what} ({reason}); it was not written",
                    path=self.target,
                    what=self.what,
                    reason=exc.strerror or exc,
                )
            )

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.stream.close()
        if self.temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.temp)
            reaper.unwatch(self.temp)
            self.temp = None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def output_files(targets: list[tuple[str, str | None]]) -> Iterator[list[IO[str]]]:
    """One stream per (what, file or None for standard output); committed together at the end.

    A write that fails (a full disk) ends the run with exit 2 and leaves no file behind;
    so does any exception or interrupt, which then goes on up.
    """
    files: list[AtomicFile] = []
    try:
        streams: list[IO[str]] = []
        for what, file in targets:
            if file is None:
                streams.append(sys.stdout)
            else:
                files.append(AtomicFile(file, what))
                streams.append(files[-1].stream)
        try:
            yield streams
            for stream in streams:
                stream.flush()
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            fail(where + say("cannot write the output ({reason}); stopped, no output file was written", reason=exc.strerror or exc))
        for f in files:
            f.commit()
    finally:
        for f in files:
            f.discard()


@contextlib.contextmanager
def output_stream(output: str | None, what: str = "output") -> Iterator[IO[str]]:
    """Standard output, or the file ``--output`` names, written whole or not at all."""
    with output_files([(say(what), output)]) as (stream,):
        yield stream
