"""An audit's reports in parts: each unit's results rendered where they were checked.

An audit's pass 2 runs in worker processes (:func:`kpcheck.batch.audit.audit_parts`). There a
:class:`PartMaker` (the ``finish`` of the check pipeline, :func:`kpcheck.checking.run`) turns
the results of one unit, waivers applied already, into a :class:`Part`: the text of every
writer that renders parts (``render``: JSON, CSV) made, and the little the main process still
needs (counts per status, the errors and waiver warnings to print in input order, whether a
result is at or above ``--fail-on``). The main process writes the parts in
input order, copying text; writers that cannot render a part alone (text, JUnit, HTML: they
gather the whole batch) get the results themselves, which then travel with the part.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kpcheck.problems import Problem
from kpcheck.results import Result
from kpcheck.verdicts import Verdict

if TYPE_CHECKING:  # a desk check makes parts too, and never imports the waivers unless given some
    from kpcheck.checking import Waived
    from kpcheck.waivers import Waiver


@dataclass
class Part:
    """One unit's results, as the main process merges them into the reports."""

    count: int
    statuses: dict[str, int]
    notes: list[str | Problem] = field(default_factory=list)  # errors (text) and waiver warnings, in input order
    errors: bool = False  # a result that could not be read or checked (exit 2)
    failing: bool = False  # a result at or above --fail-on (exit 1)
    texts: dict[int, str] = field(default_factory=dict)  # writer position -> its text of the part
    results: list[Result] | None = None  # for the writers that do not render parts
    matched: set[Waiver] = field(default_factory=set)  # waivers that matched a finding here


class PartMaker:
    """Makes the :class:`Part` of a chunk of results for the given writers (their ``render``,
    when they have one, must not touch their stream); forked into the pass-2 workers."""

    def __init__(self, writers: list[Any], fail_on: str):
        self.renderers = {i: w.render for i, w in enumerate(writers) if hasattr(w, "render")}
        self.keep = len(self.renderers) < len(writers)
        self.fail_on = fail_on

    def __call__(self, chunk: Waived) -> Part:
        """The part of a :class:`~kpcheck.checking.Waived` chunk (its results, waiver warnings
        and matched waivers)."""
        results: list[Result] = chunk.results
        part = Part(len(results), {}, list(chunk.notes), matched=set(chunk.matched))
        statuses: Counter[str] = Counter()
        for result in results:
            statuses[result.status] += 1
            if result.status is Verdict.ERROR and result.error is not None:
                part.notes.append(f"{result.error['location']}: {result.error['message']}")
                part.errors = True
            elif not part.failing and result.fails(self.fail_on):
                part.failing = True
        part.statuses = dict(statuses)
        if results:
            part.texts = {i: render(results) for i, render in self.renderers.items()}
            part.results = results if self.keep else None
        return part
