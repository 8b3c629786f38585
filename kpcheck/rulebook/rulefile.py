"""The rule-file schema: one pydantic model per part of a rule file, unknown keys refused.

A rule file (``rules/<FAMILY>/<ID>.yaml``, see ``docs/rule-language.md``) is validated against
:class:`RuleFile` when :mod:`kpcheck.rulebook.loader` loads it; the loader then parses its
conditions and lets.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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

    @model_validator(mode="after")
    def _needs_is_of_batch_rules(self) -> RuleFile:
        if self.needs is not None and self.scope != "batch":
            raise ValueError("'needs' is given only with 'scope: batch' (a rule across submissions)")
        return self


__all__ = ["DEFAULT_BASE", "Applicability", "Example", "InForce", "LegalBasis", "RuleFile", "Severity", "Status", "Translation"]
