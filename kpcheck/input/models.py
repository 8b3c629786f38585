"""Pydantic models of a submission as given (submission-format.md, version 1).

They check the shape only: types, date syntax, required fields, ``schema_version``, the
``direction`` value and unknown fields. Every constraint on values is a rule's job, so that
a wrong value becomes a finding with its legal basis. Models are strict (no coercion of
``"true"`` to a boolean or of a number to a date), frozen, and read money and carats as
:class:`~decimal.Decimal` without binary rounding.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_AMOUNT = Decimal(10) ** 12  # a trillion carats or US$: engine values stay within 64 bits
MAX_PLACES = 18
MAX_COUNT = 10**12


def _amount_within_limits(value: Decimal) -> Decimal:
    """Input limits (decisions.md): finite, below 10^12, at most 18 decimal places."""
    if not value.is_finite():
        raise ValueError(f"a number is needed, got {value}")
    if abs(value) >= MAX_AMOUNT:
        raise ValueError("amounts of 10^12 or more are not read")
    shifted = value.scaleb(MAX_PLACES)  # whole when it has MAX_PLACES places or fewer (trailing zeros aside)
    if shifted != shifted.to_integral_value():
        raise ValueError(f"amounts with more than {MAX_PLACES} decimal places are not read")
    return value


Amount = Annotated[Decimal, AfterValidator(_amount_within_limits)]
Count = Annotated[int, Field(gt=-MAX_COUNT, lt=MAX_COUNT)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class Origin(_Model):
    mixed: bool | None = None
    countries: list[str] | None = None


class Party(_Model):
    name: str | None = None
    address: str | None = None
    country: str | None = None
    bin: str | None = None


class Line(_Model):
    hs_code: str | None = None
    carats: Amount | None = None
    value_usd: Amount | None = None


class Signature(_Model):
    role: str | None = None
    name: str | None = None
    signer_id: str | None = None


class Seal(_Model):
    authority: str | None = None


class Condition(_Model):
    erasures: bool | None = None
    stains: bool | None = None
    damaged: bool | None = None


class Correction(_Model):
    field: str | None = None
    certified: bool | None = None
    certified_by: str | None = None


class Coupon(_Model):
    attached: bool | None = None
    received_on: dt.date | None = None
    authenticated: bool | None = None
    handwritten: bool | None = None
    sent_to_exporter_on: dt.date | None = None


class Certificate(_Model):
    number: str
    issuing_country: str
    issuing_authority: str | None = None
    title: str | None = None
    kp_statement: str | None = None
    languages: list[str] | None = None
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    origin: Origin | None = None
    exporter: Party | None = None
    importer: Party | None = None
    parcels: Count | None = None
    lines: list[Line] | None = None
    total_carats: Amount | None = None
    total_value_usd: Amount | None = None
    signatures: list[Signature] | None = None
    seals: list[Seal] | None = None
    condition: Condition | None = None
    corrections: list[Correction] | None = None
    tamper_resistant: bool | None = None
    coupon: Coupon | None = None


class StateControlAct(_Model):
    number: str | None = None
    issued_on: dt.date | None = None
    controller_id: str | None = None
    carats: Amount | None = None
    value_usd: Amount | None = None
    parcels: Count | None = None


class CustomsDocument(_Model):
    code: str | None = None
    number: str | None = None
    date: dt.date | None = None


class Customs(_Model):
    office: str | None = None
    declared_on: dt.date | None = None
    tnved_codes: list[str] | None = None
    documents: list[CustomsDocument] | None = None


class DuplicateRequest(_Model):
    original_number: str | None = None
    damaged_on: dt.date | None = None
    returned_on: dt.date | None = None


class Submission(_Model):
    schema_version: Literal[1]
    id: str
    direction: Literal["export", "import"]
    presented_on: dt.date
    territorial_department: str | None = None
    certificate: Certificate
    state_control_act: StateControlAct | None = None
    customs: Customs | None = None
    duplicate: DuplicateRequest | None = None
    supersedes: str | None = None
    extensions: dict[str, Any] | None = Field(default=None)
