"""The field paths a rule may read, with their value types, taken from the submission models.

A path names a value of the submission (``certificate.condition.erasures``); a path that
ends at a list of objects (``certificate.lines``) is a *list path*, whose item fields are
read inside ``for_any`` / ``for_all``. Lists of plain values (``certificate.languages``)
are read through derived facts.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Union

from pydantic import BaseModel

from kpcheck.input.models import Submission

# value types of the condition language
BOOL, INT, DECIMAL, DATE, TEXT, LIST, VALUES, OBJECT = ("bool", "int", "decimal", "date", "text", "list", "values", "object")


@dataclass(frozen=True)
class FieldType:
    kind: str  # one of the constants above
    items: dict[str, FieldType] | None = None  # for LIST: the item's fields


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else annotation
    if origin is typing.Annotated:  # a type with input limits (kpcheck.input.models.Amount)
        return _unwrap(typing.get_args(annotation)[0])
    return annotation


def _kind(annotation: Any) -> FieldType | dict[str, FieldType] | None:
    ann = _unwrap(annotation)
    origin = typing.get_origin(ann)
    if origin is list:
        (item,) = typing.get_args(ann)
        item = _unwrap(item)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return FieldType(LIST, _fields_of(item))
        return FieldType(VALUES)
    if origin is Literal:
        return FieldType(INT if isinstance(typing.get_args(ann)[0], int) else TEXT)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return _fields_of(ann)
    simple = {bool: BOOL, int: INT, Decimal: DECIMAL, dt.date: DATE, str: TEXT}
    return FieldType(simple[ann]) if ann in simple else None


def _fields_of(model: type[BaseModel], prefix: str = "") -> dict[str, FieldType]:
    out: dict[str, FieldType] = {}
    for name, info in model.model_fields.items():
        kind = _kind(info.annotation)
        if isinstance(kind, dict):
            out[name] = FieldType(OBJECT)
            out.update({f"{name}.{k}": v for k, v in kind.items()})
        elif kind is not None:
            out[name] = kind
    return out


SUBMISSION_FIELDS: dict[str, FieldType] = _fields_of(Submission)


def suggest(name: str, known: typing.Iterable[str]) -> str:
    """A "did you mean" clause for an unknown name, or an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def hinted(template: str, with_hint: str, unknown: str, known: typing.Iterable[str], /, **args: str) -> tuple[str, dict[str, str]]:
    """(template, arguments) for an ``unknown`` name: ``with_hint`` (the same message with a "did you
    mean '{close}'" clause, as :func:`suggest` words it) when a known name is close, else ``template``."""
    close = difflib.get_close_matches(unknown, list(known), n=1, cutoff=0.6)
    return (with_hint, {**args, "close": close[0]}) if close else (template, args)
