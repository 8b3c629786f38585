"""Checks for the web desk: one loaded checker, one worker thread, JSON reports as the CLI writes them.

durable_rules holds the GIL and is not thread-safe (engine notes 7): every use of the checker
goes through :meth:`CheckService.run`, a single-thread executor, so that concurrent requests
are checked one after another and never see each other's facts. The rulebook is loaded and
compiled once, before the service is made.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from kpcheck.checker import Checker
from kpcheck.checking import Across, Alone, InRegister, Steps, run
from kpcheck.input.models import Submission
from kpcheck.input.reader import Loaded, parse_data
from kpcheck.report.json_report import JsonWriter
from kpcheck.results import Result, summarize
from kpcheck.waivers import WaiverBook

log = logging.getLogger("kpcheck.serve")


class RecordRefused(Exception):
    """``?record=true`` without a register to record in."""


@dataclass(frozen=True)
class Outcome:
    """One check: the result, the JSON report text (as ``check --format json`` writes it), the submission."""

    result: Result
    report: str
    submission: Submission | None


class CheckService:
    """The loaded checker and the worker thread that alone drives it."""

    def __init__(
        self,
        checker: Checker,
        waivers: WaiverBook | None = None,
        waivers_file: str | None = None,
        register: Any = None,
        by: str | None = None,
        provenance: dict[str, Any] | None = None,
    ):
        """``register``: an open :class:`~kpcheck.register.store.Register` (``--register``), whose
        history every check runs XREF-01/02 against; ``by`` the default name stored with records."""
        self.checker, self.waivers, self.register, self.by = checker, waivers, register, by
        shown = getattr(register, "shown", None)
        default: dict[str, Any] = {"register": shown, "waivers": waivers_file, "rules": None, "reference": None, "settings": {}}
        self.meta = {**checker.meta(waivers_file), "provenance": provenance or default}  # every report names them
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpcheck-engine")
        self.checks = 0

    async def run(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` on the engine's worker thread, one call at a time."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, work)

    async def check(self, raw: bytes, kind: str, source: str, lang: str, record: bool = False, by: str | None = None) -> Outcome:
        """Check one submission body; raises :class:`RecordRefused` for ``record`` without a
        register, and the register's :class:`~kpcheck.register.errors.RegisterError`."""
        if record and self.register is None:
            raise RecordRefused("recording needs a register: start the desk with --register")
        outcome: Outcome = await self.run(lambda: self.check_now(parse_data(raw, source, kind), lang, record, by or self.by))
        return outcome

    async def read(self, raw: bytes, kind: str, source: str) -> Loaded:
        """Read and validate a submission without checking it (loading a file into the form);
        off the event loop, beside the engine's thread (reading touches no engine)."""
        return await asyncio.to_thread(parse_data, raw, source, kind)

    def check_now(self, loaded: Loaded, lang: str, record: bool, by: str | None) -> Outcome:
        """On the worker thread: the check pipeline (:func:`kpcheck.checking.run`) in ``lang``:
        evaluate, XREF against the register (recording when asked) with the waivers applied
        before anything is stored, then the report."""
        sub = loaded.submission
        across: Across
        if self.register is not None and sub is not None:
            across = InRegister([loaded], self.register, self.meta, record, by)
        else:
            across = Alone([loaded])
        (waived,) = run(Steps(self.checker, lang, self.waivers), across, account=False)
        for problem in waived.notes:
            log.warning("%s", problem.text)
        result: Result = waived.results[0]
        self.checks += 1
        return Outcome(result, self.report(result), sub)

    async def explain(self, raw: bytes, kind: str, source: str, lang: str, rule: str | None) -> dict[str, Any]:
        """Why each rule that triggers or does not apply (or only ``rule``) gives its result on one
        submission: ``{"explanations": {rule: explanation}}`` (:func:`kpcheck.engine.explain.explain`);
        raises ``ValueError`` for a body that is not a submission, ExplainError for an unknown rule."""
        return dict(await self.run(lambda: self.explain_now(parse_data(raw, source, kind), lang, rule)))

    def explain_now(self, loaded: Loaded, lang: str, rule: str | None) -> dict[str, Any]:
        if rule is not None:
            return {"explanations": {rule.upper(): self.checker.explain(rule, loaded, lang)}}
        result = self.checker.check_loaded(loaded, lang)
        if loaded.submission is None:
            self.checker.explain("", loaded, lang)  # raises the located reading error
        wanted = [f.rule for f in result.findings] + [n.rule for n in result.not_applicable]
        return {"explanations": {r: self.checker.explain(r, loaded, lang) for r in wanted}}

    def report(self, result: Result) -> str:
        """The JSON report of one result, byte for byte what ``kpcheck check --format json`` writes."""
        stream = io.StringIO()
        writer = JsonWriter(stream, {})
        writer.start(self.meta)
        writer.add(result)
        writer.finish(summarize([result]))
        return stream.getvalue()

    def close(self) -> None:
        self.worker.shutdown(wait=True)
        if self.register is not None:
            self.register.close()
