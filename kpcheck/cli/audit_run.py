"""The audit command's run: the batch checked in parts, the reports merged in input order.

Each unit's part of the reports is made where its pass 2 runs (in the worker processes with
``--jobs`` 2 or more, :mod:`kpcheck.report.parts`); here the parts are written in input order,
their errors and waiver warnings printed, their counts summed, and the exit code chosen. With
``--record`` every result passes through the main process, which stores its decision.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from kpcheck.api import Checker, Result, summarize
from kpcheck.cli.console import error, warning
from kpcheck.cli.exits import EXIT_ERROR, EXIT_FAIL, EXIT_OK
from kpcheck.cli.main import emit, waive
from kpcheck.report.parts import Part, PartMaker
from kpcheck.waivers import WaiverBook, inapplicable

Storing = tuple[str | None, bool, str | None]       # --register URL, --record, --by


def run_audit(sources: list[str], options: dict[str, Any], jobs: int, advance: Any, checker: Checker,
              waivers: WaiverBook | None, storing: Storing, meta: dict[str, Any], writers: list[Any],
              fail_on: str, summary: dict[str, int], on_exit: Callable[[Callable[[], None]], Any]) -> int:
    """Audit the sources into the writers; the exit code. ``summary`` is filled with the counts;
    ``on_exit`` is given what stops the workers and removes the spools, on every way out."""
    from kpcheck.batch.audit import audit_parts

    register, record, by = storing
    history: list[Any] = []
    if register:
        from kpcheck.cli.register import audit_hooks, recorded

        opened, history, stored = audit_hooks(register, sources, record)
    if record:
        unit_results = audit_parts(sources, options, jobs, advance, checker, history)
        on_exit(unit_results.close)
        results: Iterator[Result] = (r for part in unit_results for r in part)
        done = recorded(opened, waive(results, waivers), stored, meta, checker.engine.kind, by)
        return emit(done, writers, meta, fail_on, summary)
    parts = audit_parts(sources, options, jobs, advance, checker, history, PartMaker(writers, fail_on, waivers))
    on_exit(parts.close)
    return emit_parts(parts if waivers is None else waiver_warnings(parts, waivers), writers, meta, summary)


def emit_parts(parts: Iterable[Part], writers: list[Any], meta: dict[str, Any], summary: dict[str, int]) -> int:
    """Write the parts to every writer in order (text as rendered, or results one by one); the
    exit code of report-format.md, as :func:`~kpcheck.cli.main.emit` gives it."""
    for w in writers:
        w.start(meta)
    summary.update(summarize([]))
    errors = failing = False
    for part in parts:
        for kind, message in part.notes:
            (error if kind == "error" else warning)(message)
        summary["submissions"] += part.count
        for status, count in part.statuses.items():
            summary[status] += count
        errors, failing = errors or part.errors, failing or part.failing
        for i, w in enumerate(writers):
            if i in part.texts:
                w.add_rendered(part.texts[i], part.count)
            else:
                for result in part.results or ():
                    w.add(result)
    for w in writers:
        w.finish(summary)
    return EXIT_ERROR if errors else EXIT_FAIL if failing else EXIT_OK


def waiver_warnings(parts: Iterable[Part], book: WaiverBook) -> Iterator[Part]:
    """The parts, with the waiver file's warnings before them and the unused waivers' after, as
    :meth:`WaiverBook.waive` gives them; the waivers each part matched are noted in ``book``."""
    for problem in book.warnings:
        warning(str(problem))
    for part in parts:
        book.matched |= part.matched
        yield part
    for problem in inapplicable(book.waivers, book.matched):
        warning(str(problem))
