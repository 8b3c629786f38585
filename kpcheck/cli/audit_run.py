"""The audit command's run: the batch checked in parts, the reports merged in input order.

Each unit's part of the reports is made where its pass 2 runs (in the worker processes with
``--jobs`` 2 or more, :mod:`kpcheck.report.parts`); here the parts are written in input order,
their errors and waiver warnings printed, their counts summed, and the exit code chosen. With
``--register`` every result passes through the main process (:func:`kpcheck.checking.audit_results`),
which also stores the decisions with ``--record``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kpcheck.api import Checker
from kpcheck.cli.main import emit, emit_parts, warn
from kpcheck.report.parts import Part, PartMaker
from kpcheck.waivers import WaiverBook, inapplicable

Storing = tuple[str | None, bool, str | None]  # --register URL, --record, --by


def run_audit(
    sources: list[str],
    options: dict[str, Any],
    jobs: int,
    advance: Any,
    checker: Checker,
    waivers: WaiverBook | None,
    storing: Storing,
    meta: dict[str, Any],
    writers: list[Any],
    fail_on: str,
    summary: dict[str, int],
    on_exit: Callable[[Callable[[], None]], Any],
    recording: Any = None,
) -> int:
    """Audit the sources into the writers; the exit code. ``summary`` is filled with the counts;
    ``on_exit`` is given what stops the workers and removes the spools, on every way out;
    ``recording`` (a :class:`kpcheck.register.desk.Recording`) is filled with what ``--record`` stored."""
    register, record, by = storing
    if register:  # the register's history and decisions: results one by one (kpcheck.checking)
        from kpcheck.checking import audit_results

        results = audit_results(checker, sources, options, jobs, advance, waivers, warn, register, record, by, meta, recording)
        if hasattr(results, "close"):
            on_exit(results.close)
        return emit(results, writers, meta, fail_on, summary)
    from kpcheck.batch.audit import audit_parts

    parts = audit_parts(sources, options, jobs, advance, checker, finish=PartMaker(writers, fail_on, waivers))
    on_exit(parts.close)
    return emit_parts(parts if waivers is None else waiver_warnings(parts, waivers), writers, meta, summary)


def waiver_warnings(parts: Iterable[Part], book: WaiverBook) -> Iterator[Part]:
    """The parts, with the waiver file's warnings before them and the unused waivers' after, as
    :meth:`WaiverBook.waive` gives them; the waivers each part matched are noted in ``book``."""
    for problem in book.warnings:
        warn(problem)
    for part in parts:
        book.matched |= part.matched
        yield part
    for problem in inapplicable(book.waivers, book.matched):
        warn(problem)
