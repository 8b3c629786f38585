"""The library face of kpcheck: check submissions, get results. No printing, no exits.

    from kpcheck.api import Checker
    checker = Checker.load()                      # shipped rulebook and example registers
    for result in checker.check_paths(["fixtures/submissions"]):
        print(result.submission, result.status)
    checked = checker.check(submission, history=[past], waivers="waivers.yaml")   # in memory

:meth:`Checker.check` is the one way to check submissions held in memory with a history and
waivers (README, "From Python"); every way of checking (``check``, ``audit``, the desk) goes
through the same pipeline (:func:`kpcheck.checking.run`). The loaded checker itself is
:class:`kpcheck.checker.Checker`, below the layers that check; this face adds the entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpcheck import checker as _checker
from kpcheck.checker import RulebookInvalid
from kpcheck.checking import Alone, Checked, History, Steps, history_keys, read_data, results_of, run
from kpcheck.engine import EngineUnavailable
from kpcheck.input.reader import parse_data, read_sources
from kpcheck.reference.queries import DEFAULT_REGISTERS
from kpcheck.results import FAIL_ON, STATUSES, Result, add_to_summary, counterparty_of, status_of, summarize
from kpcheck.verdicts import Severity, Verdict

if TYPE_CHECKING:
    from kpcheck.checking import Data, Past
    from kpcheck.waivers import WaiverBook


class Checker(_checker.Checker):
    """A loaded rulebook, reference data and engine, ready to check submissions (the face's
    entries over :class:`kpcheck.checker.Checker`; ``lang`` of :meth:`load` is the default
    language of the checks that name none)."""

    def check_paths(self, paths: Iterable[str | Path], lang: str | None = None) -> Iterator[Result]:
        """Check files, folders and JSON Lines, one result at a time (no checks across them)."""
        for chunk in run(Steps(self, lang or self.lang), Alone(read_sources(paths))):
            yield from chunk.results

    def check_data(self, data: bytes | str | dict[str, Any], source: str = "<data>", kind: str = "json", lang: str | None = None) -> Result:
        """Check one submission held in memory: JSON or YAML bytes or text, or a parsed mapping.
        Not thread-safe (the engine is not): callers that serve requests serialise the calls."""
        (chunk,) = run(Steps(self, lang or self.lang), Alone([parse_data(data, source, kind)]))
        result: Result = chunk.results[0]
        return result

    def check(
        self,
        *submissions: Data,
        kind: str = "json",
        history: Iterable[Past] | None = None,
        waivers: WaiverBook | Path | str | None = None,
        lang: str | None = None,
    ) -> Checked:
        """Check submissions held in memory, with a history and waivers: the one way to do all three.

        ``submissions``: parsed mappings, or JSON or YAML (``kind``) bytes or text; their sources
        read ``<data>`` (``<data:N>`` for several). ``history``: past submissions (mappings,
        bytes or text, :class:`~kpcheck.batch.xref.XrefKey`, or a :class:`~pathlib.Path` of a file,
        folder or JSON Lines); given, even empty, the rules across submissions that need only a
        history (XREF-01/02) run over the submissions and it together. ``waivers``: a waiver
        file or a loaded :class:`~kpcheck.waivers.WaiverBook`; a file that does not read raises
        :class:`~kpcheck.waivers.WaiverFileError`. ``lang`` is the language of the texts (default:
        the checker's). Returns the results in order and the run's warnings; never prints. Not
        thread-safe."""
        if isinstance(waivers, (str, Path)):
            from kpcheck.waivers import WaiverBook, severities_of

            waivers = WaiverBook.load(waivers, severities_of(self.book))
        loaded = read_data(submissions, kind)
        across = Alone(loaded) if history is None else History(loaded, history_keys(history, kind))
        return results_of(run(Steps(self, lang or self.lang, waivers), across))


__all__ = [
    "DEFAULT_REGISTERS",
    "FAIL_ON",
    "STATUSES",
    "Checker",
    "EngineUnavailable",
    "Result",
    "RulebookInvalid",
    "Severity",
    "Verdict",
    "add_to_summary",
    "counterparty_of",
    "status_of",
    "summarize",
]
