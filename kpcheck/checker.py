"""The loaded checker: a rulebook, its reference data and the compiled engine, ready to evaluate.

:class:`Checker` is below every layer that checks (the batch, the register, the check pipeline
of :mod:`kpcheck.checking`) and above the engine; the library face (:mod:`kpcheck.api`) adds
:meth:`kpcheck.api.Checker.check`, the pipeline's in-memory entry. The language of a check is a
parameter of each evaluation (``lang``), never state of the engine: ``lang`` given to
:meth:`Checker.load` is only the default of the checks that name none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from kpcheck import __version__
from kpcheck.engine import Engine, EngineError, EngineUnavailable, InternalFailure
from kpcheck.input.reader import Loaded
from kpcheck.input.shorten import shorten
from kpcheck.reference.queries import Reference, collect_reference
from kpcheck.results import Result, counterparty_of, status_of
from kpcheck.rulebook.cache import cached
from kpcheck.rulebook.loader import RULES_DIR, Rulebook, collect_rulebook, sha256_files
from kpcheck.verdicts import Verdict

C = TypeVar("C", bound="Checker")


class RulebookInvalid(Exception):
    """The rulebook or its reference data does not load; nothing may be checked."""

    def __init__(self, errors: list[Exception]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def _gettext(lang: str) -> Callable[[str], str]:
    """The ``_`` of ``lang``, for a message of an input that does not read (imported only then)."""
    from kpcheck.i18n import gettext_for

    return gettext_for(lang)


def _load_all(rules_dir: Path, registers_dir: Path | None) -> tuple[tuple[Any, ...], list[Exception]]:
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
    lang: str = "en"  # the language of a check that names none (never changed by a check)

    @classmethod
    def load(
        cls: type[C],
        rules: Path | str | None = None,
        registers: Path | str | None = None,
        engine: str | None = None,
        lang: str = "en",
    ) -> C:
        """Load and validate everything; raises :class:`RulebookInvalid` listing every problem."""
        rules_dir = Path(rules) if rules else RULES_DIR
        registers_dir = Path(registers) if registers else None
        (book, reference, law, registers_hash), errors = cached(
            rules_dir, registers_dir, lambda: _load_all(rules_dir, registers_dir), _well_shaped
        )
        if errors or book is None or reference is None:
            raise RulebookInvalid(errors)
        try:
            built = Engine(book, reference, engine)
        except EngineUnavailable:
            raise
        except EngineError as exc:
            raise RulebookInvalid([exc]) from exc
        return cls(book, reference, built, law, registers_hash, lang)

    @property
    def reference_kind(self) -> str:
        return "example" if self.reference.example_registers else "official"

    def untranslated(self, lang: str) -> list[str]:
        """The ids of the rules in force that have no text in ``lang`` (none for English, the source)."""
        if lang == "en":
            return []
        return [rule.id for rule in self.book.active() if lang not in rule.spec.translations]

    def check_loaded(self, loaded: Loaded, lang: str | None = None) -> Result:
        """The result for one read submission (the pipeline's evaluation step), its titles and
        messages in ``lang`` (default: the checker's)."""
        if loaded.submission is None:
            err = loaded.error
            if err is None:
                error = {"message": "unreadable", "location": loaded.source}
            else:  # a message kpcheck words itself in the report's language
                error = {
                    "message": err.message if err.template is None else err.message_in(_gettext(lang or self.lang)),
                    "location": err.location,
                }
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
            evaluation = self.engine.evaluate(sub, lang=lang or self.lang)
        except InternalFailure as exc:
            return Result(sub.id, loaded.source, Verdict.ERROR, error={"message": str(exc), "location": loaded.source}, **base)
        except EngineError as exc:
            failure = {"message": f"engine failure: {shorten(str(exc), 300)}", "location": loaded.source}
            return Result(sub.id, loaded.source, Verdict.ERROR, error=failure, **base)
        findings = evaluation.findings  # both lists in rule id order already
        return Result(sub.id, loaded.source, status_of(findings), findings, evaluation.not_applicable, **base)

    def explain(self, rule_id: str, loaded: Loaded, lang: str | None = None) -> dict[str, Any]:
        """Why rule ``rule_id`` gives its result on one read submission, as plain data
        (:func:`kpcheck.engine.explain.explain`), its texts in ``lang`` (default: the checker's).
        Raises :class:`~kpcheck.engine.explain.ExplainError` for a rule not evaluated here and
        ``ValueError`` for a submission that does not read."""
        from kpcheck.engine.explain import explain

        if loaded.submission is None:
            err = loaded.error
            raise ValueError(f"{err.location}: {err.message_in(_gettext(lang or self.lang))}" if err else f"{loaded.source}: unreadable")
        return explain(self.engine, rule_id, loaded.submission, lang=lang or self.lang)

    def meta(self, waivers: Path | str | None = None) -> dict[str, Any]:
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
