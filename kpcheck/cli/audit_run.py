"""The audit command's run: the batch checked in parts, the reports merged in input order.

The audit goes through the check pipeline (:func:`kpcheck.checking.run`) with the batch as its
checks across submissions. Each unit's part of the reports is made where its pass 2 runs (in
the worker processes with ``--jobs`` 2 or more, :mod:`kpcheck.report.parts`); here the parts are
written in input order, their errors and waiver warnings printed, their counts summed, and the
exit code chosen. With ``--register`` the parts are made in the main process, after the
decisions are stored (``--record``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kpcheck.checker import Checker
from kpcheck.checking import Batch, RegisterBatch, Steps, run
from kpcheck.cli.emit import emit_parts
from kpcheck.input.units import Unit
from kpcheck.report.parts import PartMaker
from kpcheck.waivers import WaiverBook

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
    units: Iterable[Unit] | None = None,
) -> int:
    """Audit the sources into the writers; the exit code. ``summary`` is filled with the counts;
    ``on_exit`` is given what stops the workers and removes the spools, on every way out;
    ``recording`` (a :class:`kpcheck.register.desk.Recording`) is filled with what ``--record`` stored;
    ``units``: the sources planned already (expanded once, for the progress bar's count)."""
    register, record, by = storing
    lang = options.get("lang") or checker.lang
    across: Batch = Batch(sources, options, jobs, advance, units=units)
    if register:
        across = RegisterBatch(
            sources, options, jobs, advance, units=units, register=register, meta=meta, record=record, by=by, recording=recording
        )
    parts = run(Steps(checker, lang, waivers), across, PartMaker(writers, fail_on))
    on_exit(parts.close)
    return emit_parts(parts, writers, meta, summary)
