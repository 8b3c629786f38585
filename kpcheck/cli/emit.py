"""Writing a check's or an audit's parts into the reports, printing their errors and warnings,
and choosing the exit code of docs/report-format.md (``check`` and ``audit`` alike)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kpcheck.cli.console import error, warning
from kpcheck.cli.exits import run_exit
from kpcheck.problems import Problem
from kpcheck.report.parts import Part, PartMaker
from kpcheck.results import Result, summarize


def warn(problem: Problem) -> None:
    """A warning of the library's (a waiver ignored, expired or unused), as ``warning: file:line: ...``."""
    warning(problem.text)


def emit(results: Iterable[Result], writers: list[Any], meta: dict[str, Any], fail_on: str, summary: dict[str, int] | None = None) -> int:
    """Stream results to every writer; the exit code of docs/report-format.md. ``summary``, when
    given, is filled with the counts per status. Each result is a part of its own
    (:func:`emit_parts`), so that a check and an audit count and report alike."""
    from kpcheck.checking import Waived

    make = PartMaker(writers, fail_on)
    return emit_parts((make(Waived([result])) for result in results), writers, meta, {} if summary is None else summary)


def emit_parts(parts: Iterable[Part], writers: list[Any], meta: dict[str, Any], summary: dict[str, int]) -> int:
    """Write the parts to every writer in order (text as rendered, or results one by one), printing
    their errors and warnings; ``summary`` is filled with the counts per status; the exit code
    of docs/report-format.md."""
    for w in writers:
        w.start(meta)
    summary.update(summarize([]))
    errors = failing = False
    for part in parts:
        for note in part.notes:
            if isinstance(note, str):
                error(note)
            else:
                warn(note)
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
    return run_exit(errors, failing)
