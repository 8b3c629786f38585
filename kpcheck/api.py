"""The library face of kpcheck: check submissions, get results. No printing, no exits.

    from kpcheck.api import Checker
    checker = Checker.load()                      # shipped rulebook and example registers
    for result in checker.check_paths(["fixtures/submissions"]):
        print(result.submission, result.status)
    checked = checker.check(submission, history=[past], waivers="waivers.yaml")   # in memory

:meth:`Checker.check` is the one way to check submissions held in memory with a history and
waivers (README, "From Python"); `check` and `audit` go through the same code
(:mod:`kpcheck.checking`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpcheck import __version__
from kpcheck.engine import Engine, EngineError, EngineUnavailable, InternalFailure
from kpcheck.input.reader import Loaded, parse_data, read_sources
from kpcheck.input.shorten import shorten
from kpcheck.problems import Problem
from kpcheck.reference.queries import DEFAULT_REGISTERS, Reference, collect_reference
from kpcheck.results import Result, add_to_summary, counterparty_of, status_of, summarize
from kpcheck.rulebook.cache import cached
from kpcheck.rulebook.loader import RULES_DIR, Rulebook, collect_rulebook, sha256_files
from kpcheck.verdicts import Severity, Verdict

if TYPE_CHECKING:
    from kpcheck.checking import Checked, Data, Past
    from kpcheck.waivers import WaiverBook


class RulebookInvalid(Exception):
    """The rulebook or its reference data does not load; nothing may be checked."""

    def __init__(self, errors: list[Exception]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def _load_all(rules_dir: Path, registers_dir: Path | None) -> tuple[tuple[Any, ...], list]:
    """Rulebook, reference data and both identity hashes, or the problems (cached when none)."""
    book, errors = collect_rulebook(rules_dir)
    reference, problems = collect_reference(rules_dir, registers_dir)
    if book is None or reference is None or errors or problems:
        return (None, None, "", ""), [*errors, *problems]
    law = sha256_files([*book.files, *reference.law_files], rules_dir)
    return (book, reference, law, sha256_files(list(reference.register_files))), []


def _well_shaped(value: Any) -> bool:
    """Whether a cached value is what :func:`_load_all` returns (else it is rebuilt)."""
    return (
        isinstance(value, tuple)
        and len(value) == 4
        and isinstance(value[0], Rulebook)
        and isinstance(value[1], Reference)
        and isinstance(value[2], str)
        and isinstance(value[3], str)
    )


@dataclass
class Checker:
    """A loaded rulebook, reference data and engine, ready to check submissions."""

    book: Rulebook
    reference: Reference
    engine: Engine
    rules_sha256: str
    registers_sha256: str

    @classmethod
    def load(
        cls, rules: Path | str | None = None, registers: Path | str | None = None, engine: str | None = None, lang: str = "en"
    ) -> Checker:
        """Load and validate everything; raises :class:`RulebookInvalid` listing every problem."""
        rules_dir = Path(rules) if rules else RULES_DIR
        registers_dir = Path(registers) if registers else None
        (book, reference, law, registers_hash), errors = cached(
            rules_dir, registers_dir, lambda: _load_all(rules_dir, registers_dir), _well_shaped
        )
        if errors or book is None or reference is None:
            raise RulebookInvalid(errors)
        try:
            built = Engine(book, reference, engine, lang=lang)
        except EngineUnavailable:
            raise
        except EngineError as exc:
            raise RulebookInvalid([exc]) from exc
        return cls(book, reference, built, law, registers_hash)

    @property
    def reference_kind(self) -> str:
        return "example" if self.reference.example_registers else "official"

    def check_paths(self, paths: Iterable[str | Path]) -> Iterator[Result]:
        for loaded in read_sources(paths):
            yield self.check_loaded(loaded)

    def check_data(self, data: bytes | str | dict, source: str = "<data>", kind: str = "json", lang: str | None = None) -> Result:
        """Check one submission held in memory: JSON or YAML bytes or text, or a parsed mapping.
        Not thread-safe (the engine is not): callers that serve requests serialise the calls."""
        return self.check_loaded(parse_data(data, source, kind), lang)

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
        :class:`~kpcheck.waivers.WaiverFileError`. ``lang`` overrides the language of the texts.
        Returns the results in order and the run's warnings; never prints. Not thread-safe."""
        if lang is not None and lang != self.engine.lang:
            kept, self.engine.lang = self.engine.lang, lang
            try:
                return self.check(*submissions, kind=kind, history=history, waivers=waivers)
            finally:
                self.engine.lang = kept
        from kpcheck.checking import Checked, check_loaded, history_keys, read_data
        from kpcheck.waivers import WaiverBook, severities_of

        book = WaiverBook.load(waivers, severities_of(self.book)) if isinstance(waivers, (str, Path)) else waivers
        keys = history_keys(history, kind) if history is not None else None
        warnings: list[Problem] = []
        results = list(check_loaded(self, read_data(submissions, kind), keys, book, warnings.append))
        return Checked(results, warnings)

    def untranslated(self, lang: str) -> list[str]:
        """The ids of the rules in force that have no text in ``lang`` (none for English, the source)."""
        if lang == "en":
            return []
        return [rule.id for rule in self.book.active() if lang not in rule.spec.translations]

    def check_loaded(self, loaded: Loaded, lang: str | None = None) -> Result:
        """The result for one read submission; ``lang`` overrides the language of titles and messages."""
        if lang is not None and lang != self.engine.lang:
            kept, self.engine.lang = self.engine.lang, lang
            try:
                return self.check_loaded(loaded)
            finally:
                self.engine.lang = kept
        if loaded.submission is None:
            err = loaded.error
            error = {"message": err.message, "location": err.location} if err else {"message": "unreadable", "location": loaded.source}
            return Result(loaded.raw_id, loaded.source, Verdict.ERROR, error=error)
        sub = loaded.submission
        base: dict[str, Any] = dict(
            certificate=sub.certificate.number,
            direction=sub.direction,
            presented_on=sub.presented_on,
            department=sub.territorial_department,
            counterparty=counterparty_of(sub),
        )
        try:
            evaluation = self.engine.evaluate(sub)
        except InternalFailure as exc:
            return Result(sub.id, loaded.source, Verdict.ERROR, error={"message": str(exc), "location": loaded.source}, **base)
        except EngineError as exc:
            failure = {"message": f"engine failure: {shorten(str(exc), 300)}", "location": loaded.source}
            return Result(sub.id, loaded.source, Verdict.ERROR, error=failure, **base)
        findings = evaluation.findings  # both lists in rule id order already
        return Result(sub.id, loaded.source, status_of(findings), findings, evaluation.not_applicable, **base)

    def explain(self, rule_id: str, loaded: Loaded, lang: str | None = None) -> dict[str, Any]:
        """Why rule ``rule_id`` gives its result on one read submission, as plain data
        (:func:`kpcheck.engine.explain.explain`). Raises
        :class:`~kpcheck.engine.explain.ExplainError` for a rule not evaluated here and
        ``ValueError`` for a submission that does not read."""
        from kpcheck.engine.explain import explain

        if loaded.submission is None:
            err = loaded.error
            raise ValueError(f"{err.location}: {err.message}" if err else f"{loaded.source}: unreadable")
        kept, self.engine.lang = self.engine.lang, lang or self.engine.lang
        try:
            return explain(self.engine, rule_id, loaded.submission)
        finally:
            self.engine.lang = kept

    def meta(self, waivers: Path | str | None = None) -> dict:
        """A report's identity: kpcheck, engine, rulebook, registers and, given, the waiver file's hash."""
        meta: dict[str, Any] = {
            "kpcheck": __version__,
            "engine": self.engine.kind,
            "rulebook": {"version": self.book.version, "sha256": self.rules_sha256},
            "reference": self.reference_kind,
            "registers": {"sha256": self.registers_sha256},
        }
        if waivers:
            meta["waivers"] = {"sha256": sha256_files([Path(waivers)])}
        return meta


__all__ = [
    "DEFAULT_REGISTERS",
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
