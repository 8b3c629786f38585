"""``register import``: past submissions from files and folders (read as ``audit`` reads them)
into the register, in batches of one transaction each; the same submission twice is stored once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpcheck.batch.xref import key_of
from kpcheck.input.reader import InputError
from kpcheck.input.units import read_all
from kpcheck.register.rows import submission_row
from kpcheck.register.store import Register, insert_submissions

BATCH = 2_000


@dataclass
class Imported:
    """What an import did: submissions read, newly stored, already there, and the unreadable."""

    read: int = 0
    added: int = 0
    errors: list[InputError] = field(default_factory=list)
    stored: dict[str, int] = field(default_factory=dict)  # source location -> row number, when kept
    numbers: set[str] = field(default_factory=set)  # normalised numbers and originals, when kept

    @property
    def already(self) -> int:
        return self.read - self.added


def numbers_of(sources: Iterable[str | Path]) -> set[str]:
    """The normalised certificate numbers and duplicate originals of the sources' submissions."""
    numbers: set[str] = set()
    for loaded in read_all(sources):
        if loaded.submission is not None:
            key = key_of(loaded.submission)
            numbers.update(n for n in (key.number, key.original) if n)
    return numbers


def import_sources(
    register: Register, sources: Iterable[str | Path], progress: Callable[[int], None] | None = None, keep_rows: bool = False
) -> Imported:
    """Store every readable submission of the sources; the unreadable ones are listed, not stored.

    With ``keep_rows`` the result maps each submission's source location to its row (for the
    decisions ``audit --record`` stores afterwards) and lists the numbers it carries.
    """
    summary = Imported()
    pending: list[tuple[str, dict[str, Any]]] = []
    now = dt.datetime.now(dt.timezone.utc)
    for loaded in read_all(sources):
        if loaded.submission is None:
            summary.errors.append(loaded.error or InputError("unreadable", loaded.source))
            if progress:
                progress(1)
            continue
        pending.append((loaded.source, submission_row(loaded.submission, loaded.source, now)))
        if len(pending) >= BATCH:
            _flush(register, pending, summary, keep_rows, progress)
            pending = []
    _flush(register, pending, summary, keep_rows, progress)
    return summary


def _flush(
    register: Register,
    pending: list[tuple[str, dict[str, Any]]],
    summary: Imported,
    keep_rows: bool,
    progress: Callable[[int], None] | None,
) -> None:
    if not pending:
        return
    known, added = register.write(lambda conn: insert_submissions(conn, [row for _, row in pending]))
    summary.read += len(pending)
    summary.added += added
    if keep_rows:
        summary.stored.update((source, known[row["sha256"]]) for source, row in pending)
        summary.numbers.update(n for _, row in pending for n in (row["number"], row["original"]) if n)
    if progress:
        progress(len(pending))
