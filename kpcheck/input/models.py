"""Pydantic models of a submission as given (docs/submission-format.md, version 1).

They check the shape only: types, date syntax, required fields, ``schema_version``, the
``direction`` value and unknown fields. Every constraint on values is a rule's job, so that
a wrong value becomes a finding with its legal basis. Models are strict (rulebook 1.1, "Input
validation versus rules"): ``schema_version`` is the integer 1 only, integers and booleans
are never read from one another or from texts, amounts are a number or a text holding a plain
decimal number (read as :class:`~decimal.Decimal` without binary rounding), dates are
``YYYY-MM-DD`` texts only, texts are never read from numbers, and a required text that is
blank is missing. Country codes are read trimmed and upper-cased, once, here. They validate
Python values (what :mod:`kpcheck.input.reader` parsed), frozen.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from kpcheck.input.text import number_form

MAX_AMOUNT = Decimal(10) ** 12  # a trillion carats or US$: engine values stay within 64 bits
_MAX_WHOLE = 10**12  # the same, to compare integers with integers
MAX_PLACES = 18
MAX_COUNT = 10**12


_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _amount(value: Any) -> Any:
    """An amount is a number (never a boolean) or a text holding a plain decimal number, read
    as a :class:`Decimal` within the input limits (decisions.md): below 10^12, at most 18
    decimal places, finite (a NaN or an infinity is left to pydantic's own Decimal check).
    One function, one call per amount (issue 26): the reading and the limits were two
    validators, and a submission has about seven amounts."""
    kind = type(value)
    if kind is int:
        if -_MAX_WHOLE < value < _MAX_WHOLE:
            return Decimal(value)
        raise ValueError("amounts of 10^12 or more are not read")
    if kind is str:
        if not _PLAIN_DECIMAL.fullmatch(value):
            raise PydanticCustomError("amount_text", "expected a plain decimal number such as 812500.00 (digits, one dot)")
        value = Decimal(value)
    elif kind is float:  # JSON read by pydantic itself: shortest text that reads back as the float
        value = Decimal(repr(value))
        if not value.is_finite():  # nan or inf: pydantic's own Decimal check refuses it
            return value
        if not -MAX_AMOUNT < value < MAX_AMOUNT:  # also every float written with an exponent above 0
            raise ValueError("amounts of 10^12 or more are not read")
        shifted = value.scaleb(MAX_PLACES)
        if shifted != shifted.to_integral_value():
            raise ValueError(f"amounts with more than {MAX_PLACES} decimal places are not read")
        return value
    elif kind is not Decimal:
        raise PydanticCustomError("amount_type", "expected a number or a text holding a plain decimal number")
    if not value.is_finite():  # NaN, sNaN or Infinity: pydantic's own Decimal check refuses it
        return value
    text = str(value)  # issue 26: a Decimal's text, not its digit tuple, says its places
    if "E" in text:  # an exponent (1E+5) or a tiny amount (1E-7): the exponent itself
        exponent = value.as_tuple().exponent
        if exponent > 0:  # 1E+5 as 100000
            value = Decimal(format(value, "f"))
        if not -MAX_AMOUNT < value < MAX_AMOUNT:
            raise ValueError("amounts of 10^12 or more are not read")
    else:  # written out: its places follow the dot, and a nonzero amount below 10^12 has its
        # first digit at 10^11 at most (Decimal.adjusted)
        dot = text.find(".")
        exponent = dot + 1 - len(text) if dot >= 0 else 0
        if value.adjusted() > 11:
            raise ValueError("amounts of 10^12 or more are not read")
    if exponent < -MAX_PLACES:  # more places written: too many unless the extra ones are zeros
        shifted = value.scaleb(MAX_PLACES)
        if shifted != shifted.to_integral_value():
            raise ValueError(f"amounts with more than {MAX_PLACES} decimal places are not read")
    return value


_DAYS: dict[str, dt.date] = {}  # texts read as dates already: a batch has few distinct days
_DAYS_KEPT = 4096


def _date(value: Any) -> Any:
    """A date is a text ``YYYY-MM-DD`` (or a YAML date), never a number, a timestamp or a time."""
    if type(value) is str:
        day = _DAYS.get(value)
        if day is not None:
            return day
        if _ISO_DATE.fullmatch(value):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                if len(_DAYS) >= _DAYS_KEPT:
                    _DAYS.clear()
                _DAYS[value] = day
                return day
    elif type(value) is dt.date:
        return value
    raise PydanticCustomError("date_format", "expected a date YYYY-MM-DD")


def _schema_version(value: Any) -> Any:
    if type(value) is int and value == 1:
        return value
    raise PydanticCustomError("schema_version", 'expected the integer 1 (not true, 1.0 or "1")')


def _required_text(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "required field is blank")
    return value


def _required_number(value: str) -> str:
    """A certificate number of nothing but whitespace, format characters and dashes is blank."""
    if number_form(value) is None:
        raise PydanticCustomError("blank", "required field is blank")
    return value


def _code(value: str) -> str:
    """Country codes are read trimmed and upper-cased, once: ``kz`` is ``KZ`` for every rule."""
    return value.strip().upper()


def _required_code(value: str) -> str:
    return _required_text(_code(value))


Amount = Annotated[Decimal, BeforeValidator(_amount)]
Count = Annotated[int, Field(gt=-MAX_COUNT, lt=MAX_COUNT)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Code = Annotated[str, AfterValidator(_code)]
RequiredText = Annotated[str, AfterValidator(_required_text)]
RequiredNumber = Annotated[str, AfterValidator(_required_number)]
RequiredCode = Annotated[str, AfterValidator(_required_code)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class Origin(_Model):
    mixed: bool | None = None
    countries: list[Code] | None = None


class Party(_Model):
    name: str | None = None
    address: str | None = None
    country: Code | None = None
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
    received_on: Date | None = None
    authenticated: bool | None = None
    handwritten: bool | None = None
    sent_to_exporter_on: Date | None = None


class Certificate(_Model):
    number: RequiredNumber
    issuing_country: RequiredCode
    issuing_authority: str | None = None
    title: str | None = None
    kp_statement: str | None = None
    languages: list[str] | None = None
    issued_on: Date | None = None
    expires_on: Date | None = None
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
    issued_on: Date | None = None
    controller_id: str | None = None
    carats: Amount | None = None
    value_usd: Amount | None = None
    parcels: Count | None = None


class CustomsDocument(_Model):
    code: str | None = None
    number: str | None = None
    date: Date | None = None


class Customs(_Model):
    office: str | None = None
    declared_on: Date | None = None
    tnved_codes: list[str] | None = None
    documents: list[CustomsDocument] | None = None


class DuplicateRequest(_Model):
    original_number: str | None = None
    damaged_on: Date | None = None
    returned_on: Date | None = None


class Submission(_Model):
    schema_version: Annotated[Literal[1], BeforeValidator(_schema_version)]
    id: RequiredText
    direction: Literal["export", "import"]
    presented_on: Date
    territorial_department: str | None = None
    certificate: Certificate
    state_control_act: StateControlAct | None = None
    customs: Customs | None = None
    duplicate: DuplicateRequest | None = None
    supersedes: str | None = None
    extensions: dict[str, Any] | None = Field(default=None)
