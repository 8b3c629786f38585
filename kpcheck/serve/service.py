"""Checks for the web desk: one loaded checker, one worker thread, JSON reports as the CLI writes them.

durable_rules holds the GIL and is not thread-safe (engine notes 7): every use of the checker
goes through :meth:`CheckService.run`, a single-thread executor, so that concurrent requests
are checked one after another and never see each other's facts. The rulebook is loaded and
compiled once, before the service is made.

Reading a body (parsing and validating it) runs off that thread, in the default thread pool
(:meth:`CheckService.parsed`), and YAML within a time budget (:data:`YAML_SECONDS`) and the
reader's value count: a slow body never holds the engine, which only evaluates (issue 25).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kpcheck.checker import Checker
from kpcheck.checking import Across, Alone, InRegister, Steps, run
from kpcheck.i18n import LANGUAGES
from kpcheck.input.models import Submission
from kpcheck.input.reader import Loaded, parse_data
from kpcheck.input.yamlio import time_budget
from kpcheck.report.json_report import JsonWriter
from kpcheck.results import Result, summarize
from kpcheck.serve.present import errors_text, input_errors
from kpcheck.waivers import WaiverBook

log = logging.getLogger("kpcheck.serve")
YAML_SECONDS = 5.0  # the most one YAML body may take to read at the desk
KEPT = 500  # checks from the page kept for a switch of language, a print or a decision


class RecordRefused(Exception):
    """``?record=true`` without a register to record in."""


class RegisterChanged(Exception):
    """Between the check and the decision another desk stored this certificate's number: the
    findings the controller saw are no longer the register's; the check is to be run again."""


@dataclass(frozen=True)
class Outcome:
    """One check: the result, the JSON report text (as ``check --format json`` writes it in
    ``lang``), the submission, and when it was not one, its problems each at its field."""

    result: Result
    report: str
    submission: Submission | None
    lang: str = "en"
    errors: tuple[dict[str, str], ...] = ()


@dataclass
class Kept:
    """A check from the page, kept under a random token: a switch of language, a print and the
    decision show this very result again without checking anew."""

    token: str
    raw: bytes
    outcomes: dict[str, Outcome]
    checked_at: dt.datetime
    decisions: list[int] = field(default_factory=list)

    @property
    def submission(self) -> Submission | None:
        return next(iter(self.outcomes.values())).submission

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


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
        self.kept: OrderedDict[str, Kept] = OrderedDict()

    async def run(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` on the engine's worker thread, one call at a time."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, work)

    async def parsed(self, raw: bytes, source: str, kind: str, lang: str = "en") -> tuple[Loaded, tuple[dict[str, str], ...] | None]:
        """A body read and validated off the engine's thread (YAML within its time budget),
        with its problems each at its field in ``lang`` when it is no submission."""

        def work() -> tuple[Loaded, tuple[dict[str, str], ...] | None]:
            with time_budget(YAML_SECONDS):
                loaded = parse_data(raw, source, kind)
                errors = tuple(input_errors(raw, lang, kind)) if loaded.submission is None and lang != "en" and raw else None
            return loaded, errors

        return await asyncio.to_thread(work)

    async def check(self, raw: bytes, kind: str, source: str, lang: str, record: bool = False, by: str | None = None) -> Outcome:
        """Check one submission body; raises :class:`RecordRefused` for ``record`` without a
        register, and the register's :class:`~kpcheck.register.errors.RegisterError`."""
        if record and self.register is None:
            raise RecordRefused("recording needs a register: start the desk with --register")
        loaded, errors = await self.parsed(raw, source, kind, lang)
        outcome: Outcome = await self.run(lambda: self.check_now(loaded, lang, record, by or self.by, raw, kind, errors=errors))
        return outcome

    async def check_page(self, raw: bytes) -> Kept:
        """A check from the page: one read and one count, its result in every interface
        language at once (a switch of language shows it again; nothing is checked anew), kept."""

        loaded, _ = await self.parsed(raw, "desk", "json")

        def work() -> Kept:
            outcomes = {lang: self.check_now(loaded, lang, False, None, raw, "json", count=False) for lang in LANGUAGES}
            self.checks += 1
            return Kept(secrets.token_urlsafe(16), raw, outcomes, dt.datetime.now(dt.timezone.utc))

        kept: Kept = await self.run(work)
        self.kept[kept.token] = kept
        while len(self.kept) > KEPT:
            self.kept.popitem(last=False)
        return kept

    def recall(self, token: str) -> Kept | None:
        return self.kept.get(token)

    async def history(self, sub: Submission) -> list[dict[str, Any]]:
        """The register's entries of this certificate number (either direction), oldest first,
        each with its decisions; none without a register."""
        if self.register is None or not sub.certificate.number:
            return []
        from kpcheck.input.text import normalise_number
        from kpcheck.register.store import decisions_of, submissions_of

        register = self.register

        def work() -> list[dict[str, Any]]:
            with register.reading() as conn:
                subs = submissions_of(conn, normalise_number(sub.certificate.number) or "")
                decisions = decisions_of(conn, [s["pk"] for s in subs])
            return [{**s, "decisions": decisions[s["pk"]]} for s in subs]

        found: list[dict[str, Any]] = await asyncio.to_thread(work)
        return found

    async def record(self, kept: Kept, lang: str, decision: dict[str, Any], report: Callable[[dt.datetime], str]) -> int:
        """Store the kept check's submission and the controller's decision on it (with the
        printed report ``report`` makes), in one transaction that first runs the register's
        rules again: :class:`RegisterChanged` when they no longer give what was shown."""
        if self.register is None:
            raise RecordRefused("recording needs a register: start the desk with --register")
        outcome = kept.outcomes[lang]
        if outcome.submission is None:
            raise RecordRefused("a submission that could not be read is not recorded")
        from kpcheck.register.desk import record_desk

        meta = {**self.meta, "engine": self.checker.engine.kind}
        register, steps = self.register, Steps(self.checker, lang, self.waivers)

        loaded, _ = await self.parsed(kept.raw, "desk", "json")

        def work() -> int | None:
            return record_desk(register, steps, loaded, outcome.result, meta, decision, report)

        pk: int | None = await self.run(work)
        if pk is None:
            raise RegisterChanged("the register changed since this check (another desk stored this certificate number); check again")
        kept.decisions.append(pk)
        return pk

    async def read(self, raw: bytes, kind: str, source: str) -> Loaded:
        """Read and validate a submission without checking it (loading a file into the form);
        off the event loop, beside the engine's thread (reading touches no engine)."""
        loaded, _ = await self.parsed(raw, source, kind)
        return loaded

    def check_now(
        self,
        loaded: Loaded,
        lang: str,
        record: bool,
        by: str | None,
        raw: bytes = b"",
        kind: str = "json",
        count: bool = True,
        errors: tuple[dict[str, str], ...] | None = None,
    ) -> Outcome:
        """On the worker thread: the check pipeline (:func:`kpcheck.checking.run`) in ``lang``:
        evaluate, XREF against the register (recording when asked) with the waivers applied
        before anything is stored, then the report in ``lang``; a body that is not a
        submission has its problems said in ``lang``, each at its field."""
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
        if errors is None:  # not read beforehand off this thread (a caller of check_now itself)
            errors = tuple(input_errors(raw, lang, kind)) if sub is None and lang != "en" and raw else ()
        if errors:
            if result.error is not None:
                result.error = {"message": errors_text(list(errors)), "location": result.error["location"]}
        if count:
            self.checks += 1
        return Outcome(result, self.report(result, lang), sub, lang, errors)

    async def explain(self, raw: bytes, kind: str, source: str, lang: str, rule: str | None) -> dict[str, Any]:
        """Why each rule that triggers or does not apply (or only ``rule``) gives its result on one
        submission: ``{"explanations": {rule: explanation}}`` (:func:`kpcheck.engine.explain.explain`);
        raises ``ValueError`` for a body that is not a submission, ExplainError for an unknown rule."""
        loaded, _ = await self.parsed(raw, source, kind)
        return dict(await self.run(lambda: self.explain_now(loaded, lang, rule)))

    def explain_now(self, loaded: Loaded, lang: str, rule: str | None) -> dict[str, Any]:
        if rule is not None:
            return {"explanations": {rule.upper(): self.checker.explain(rule, loaded, lang)}}
        result = self.checker.check_loaded(loaded, lang)
        if loaded.submission is None:
            self.checker.explain("", loaded, lang)  # raises the located reading error
        wanted = [f.rule for f in result.findings] + [n.rule for n in result.not_applicable]
        return {"explanations": {r: self.checker.explain(r, loaded, lang) for r in wanted}}

    def report(self, result: Result, lang: str = "en") -> str:
        """The JSON report of one result, byte for byte what ``kpcheck check --format json --lang`` writes."""
        stream = io.StringIO()
        writer = JsonWriter(stream, {"lang": lang})
        writer.start(self.meta)
        writer.add(result)
        writer.finish(summarize([result]))
        return stream.getvalue()

    def close(self) -> None:
        self.worker.shutdown(wait=True)
        if self.register is not None:
            self.register.close()
