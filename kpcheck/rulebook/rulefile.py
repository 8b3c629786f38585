"""The rule-file schema: one pydantic model per part of a rule file, unknown keys refused.

A rule file (``rules/<FAMILY>/<ID>.yaml``, see ``docs/rule-language.md``) is validated against
:class:`RuleFile` when :mod:`kpcheck.rulebook.loader` loads it; the loader then parses its
conditions and lets.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kpcheck.rulebook.dated import Dated, is_dated, latest, steps_of
from kpcheck.verdicts import Severity


class Status(str, enum.Enum):
    ACTIVE = "active"
    RETIRED = "retired"


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class LegalBasis(_Schema):
    act: str = Field(min_length=1)
    provision: str = Field(min_length=1)
    url: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.provision.strip().lower() != "to be confirmed"


class InForce(_Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None


class Applicability(_Schema):
    condition: Any
    reason: str = Field(min_length=1)


class Translation(_Schema):
    title: str | None = None
    message: str | None = None
    draft: bool = False  # true until the legal staff have reviewed the translation (lint: LNT205)


Text = Annotated[str, Field(min_length=1)]


class DatedTexts(_Schema):
    """The texts of a rule written by date (``message: {2016-06-20: ..., 2027-01-01: ...}``):
    :class:`RuleFile` keeps the one in force last in its own field and the history here."""

    message: dict[dt.date, Text] | None = None
    legal_basis: dict[dt.date, Annotated[list[LegalBasis], Field(min_length=1)]] | None = None
    translations: dict[Literal["ru", "kk"], dict[dt.date, Text]] = Field(default_factory=dict)


def _split_dated(data: dict[str, Any]) -> dict[str, Any]:
    """A rule file's input with each dated text replaced by its last value, the dated mappings
    under ``dated`` (validated there, each value at its place)."""
    data, dated = dict(data), {}
    for key in ("message", "legal_basis"):
        if is_dated(data.get(key)):
            dated[key] = data[key]
            data[key] = latest(data[key])
    translations = data.get("translations")
    if isinstance(translations, dict):
        data["translations"] = dict(translations)
        for lang, text in translations.items():
            if isinstance(text, dict) and is_dated(text.get("message")):
                dated.setdefault("translations", {})[lang] = text["message"]
                data["translations"][lang] = {**text, "message": latest(text["message"])}
    if dated:
        data["dated"] = dated
    return data


DEFAULT_BASE = "compliant-export"  # the base fixture an example changes when it names none


class Example(_Schema):
    name: str = Field(min_length=1)
    base: str = DEFAULT_BASE
    change: dict[str, Any] | None = None
    submission: dict[str, Any] | None = None
    batch: list[dict[str, Any]] | None = None
    expect: Literal["triggers", "clean", "not_applicable"]
    note: str | None = None


class RuleFile(_Schema):
    id: str
    title: str = Field(min_length=1)
    severity: Severity
    status: Status
    replaced_by: str | None = None
    legal_basis: list[LegalBasis] = Field(min_length=1)
    in_force: InForce
    applies_when: list[Applicability] = Field(default_factory=list)
    let: dict[str, Any] = Field(default_factory=dict)
    condition: Any
    fields: list[str] | None = None
    message: str = Field(min_length=1)
    translations: dict[Literal["ru", "kk"], Translation] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    scope: Literal["submission", "batch"] = "submission"
    needs: Literal["history", "batch"] | None = None  # scope batch: what of the others it reads (docs)
    examples: list[Example] = Field(default_factory=list)
    reference_date: str | None = None  # the date field dated values are read on (default presented_on)
    dated: DatedTexts = Field(default_factory=DatedTexts)  # made from dated texts, never written as such

    @model_validator(mode="before")
    @classmethod
    def _dated_texts(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "dated" in data:
            raise ValueError("unknown field 'dated'")
        return _split_dated(data)

    def message_on(self, day: dt.date | None, lang: str = "en") -> tuple[str, str]:
        """(title, message template) in ``lang`` (Kazakh falls back to Russian, then English) in force on ``day``."""
        title, template = self.title, _on(self.dated.message, day, self.message)
        for code in ("kk", "ru") if lang == "kk" else ("ru",) if lang == "ru" else ():
            translation = self.translations.get(code)
            if translation is not None:
                own = translation.message and _on(self.dated.translations.get(code), day, translation.message)
                return translation.title or title, own or template
        return title, template

    def legal_basis_on(self, day: dt.date | None) -> list[LegalBasis]:
        """The legal basis in force on ``day``."""
        return list(_on(self.dated.legal_basis, day, self.legal_basis))

    def has_dated(self) -> bool:
        """Whether any value or text of the rule changes on a date."""
        return bool(self.dated.message or self.dated.legal_basis or self.dated.translations) or any(
            is_dated(v) for v in self.params.values()
        )

    @model_validator(mode="after")
    def _needs_is_of_batch_rules(self) -> RuleFile:
        if self.needs is not None and self.scope != "batch":
            raise ValueError("'needs' is given only with 'scope: batch' (a rule across submissions)")
        return self


def _on(history: dict[dt.date, Any] | None, day: dt.date | None, current: Any) -> Any:
    return Dated(steps_of(history)).at(day) if history and day is not None else current


__all__ = [
    "DEFAULT_BASE",
    "Applicability",
    "DatedTexts",
    "Example",
    "InForce",
    "LegalBasis",
    "RuleFile",
    "Severity",
    "Status",
    "Translation",
]
