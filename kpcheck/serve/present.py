"""The desk's words for a person: field labels instead of paths, input errors in the page's
language, numbers, dates and times formatted for the locale (Babel) in the desk's time zone.

Nothing here decides anything: it only says what a check, a register entry or a refused
submission mean, in Russian, Kazakh or English.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from pydantic import ValidationError

from kpcheck.i18n import gettext_for, ngettext_for
from kpcheck.i18n.labels import N_
from kpcheck.input.models import Submission
from kpcheck.input.reader import jsonable, loc_path
from kpcheck.input.yamlio import YamlSyntaxError, decode, load_yaml_text
from kpcheck.serve.form import GROUPS, Field, join

OUTCOMES = {"accepted": N_("accepted"), "refused": N_("refused"), "returned": N_("returned for correction")}
ROLES = {"controller": N_("controller"), "auditor": N_("auditor")}
_INDEX = re.compile(r"\[(\d+)\]")
_PARENT = re.compile(r"(\.[^.\[\]]+|\[\])$")

# pydantic's error types -> what the page says (English msgids of the catalogue)
ERRORS = {
    "missing": N_("required field is missing"),
    "extra_forbidden": N_("unknown field"),
    "decimal": N_("expected a number such as 1250,50"),
    "amount": N_("expected a number such as 1250,50"),
    "blank": N_("required field is blank"),
    "schema_version": N_("expected the integer 1"),
    "float": N_("expected a number such as 1250,50"),
    "int": N_("expected a whole number"),
    "date": N_("expected a date"),
    "bool": N_("expected yes or no"),
    "string": N_("expected a text"),
    "list": N_("expected a list"),
    "model": N_("expected a group of fields"),
    "dict": N_("expected a group of fields"),
    "literal_error": N_("not one of the values this field takes"),
    "value_error": N_("an amount is below 10^12 with at most 18 decimal places"),
    "greater_than": N_("the number is out of range"),
    "less_than": N_("the number is out of range"),
    "json_invalid": N_("not valid JSON"),
    "yaml_invalid": N_("not valid YAML"),
}
OTHER_ERROR = N_("value not accepted")


# ---- field labels ------------------------------------------------------------------------------


@functools.cache
def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """(path pattern -> field label, row path pattern -> row label); indexes shown as ``[]``."""
    fields: dict[str, str] = {}
    rows: dict[str, str] = {}
    for group in GROUPS:
        if group.prefix and group.prefix != "certificate":
            fields[group.prefix] = group.title
        own: list[Field] = [*group.fields, *group.after]
        for f in own:
            fields[join(group.prefix, f.name)] = f.label
        for r in group.rows:
            base = join(group.prefix, r.path)
            fields[base] = group.title if len(group.rows) == 1 else r.label
            rows[base + "[]"] = r.label
            for f in r.fields:
                fields[f"{base}[].{f.name}"] = f.label
    for role, label in (("exporter", "Exporter"), ("importer", "Importer")):
        fields[f"certificate.{role}"] = label
    fields["certificate.origin"] = "Origin"
    fields["certificate.condition"] = "Condition and corrections"
    fields["certificate"] = "Certificate"
    return fields, rows


def field_label(path: str, lang: str) -> str:
    """The form's label of a field path (``certificate.lines[1].carats`` -> "Line 2: Carats"),
    in ``lang``; the nearest labelled parent for a path the form has no field for."""
    _ = gettext_for(lang)
    fields, rows = _labels()
    pattern = _INDEX.sub("[]", path)
    numbers = [int(n) + 1 for n in _INDEX.findall(path)]
    if pattern in rows and numbers:
        return f"{_(rows[pattern])} {numbers[-1]}"
    probe = pattern
    while probe and probe not in fields:
        up = _PARENT.sub("", probe)
        probe = "" if up == probe else up
    label = _(fields[probe]) if probe else path
    row = max((r for r in rows if pattern.startswith(r)), key=len, default=None)
    if row is not None and numbers and probe != row[:-2]:
        return f"{_(rows[row])} {numbers[row.count('[]') - 1]}: {label}"
    return label


def field_labels(paths: Iterable[str], lang: str) -> dict[str, str]:
    return {p: field_label(p, lang) for p in paths}


# ---- input errors ------------------------------------------------------------------------------


def input_errors(raw: bytes, lang: str, kind: str = "json") -> list[dict[str, str]]:
    """Every problem of a body (JSON or YAML) that is not a submission, each at its field path
    with its label and a message in ``lang`` (the page highlights each field concerned)."""
    _ = gettext_for(lang)
    try:
        if kind == "yaml":
            raw = json.dumps(jsonable(load_yaml_text(decode(raw, "body"), "body")), ensure_ascii=False).encode()
        else:
            json.loads(raw)
    except (ValueError, RecursionError, YamlSyntaxError):
        bad = ERRORS["yaml_invalid"] if kind == "yaml" else ERRORS["json_invalid"]
        return [{"path": "", "label": _("Submission"), "message": _(bad)}]
    try:
        Submission.model_validate_json(raw)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            path = loc_path(err["loc"]) if err["loc"] else ""
            path = "" if path == "(document)" else path
            out.append({"path": path, "label": field_label(path, lang) if path else _("Submission"), "message": error_message(err, _)})
        return out
    return []


def error_message(err: Any, _: Callable[[str], str]) -> str:
    kind = str(err["type"])
    key = next((k for k in ERRORS if kind == k or kind.startswith(k + "_") or kind.startswith(k)), None)
    text = _(ERRORS[key] if key else OTHER_ERROR)
    value = err.get("input")
    if kind != "missing" and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text += f" ({_('given')}: «{value}»)"
    return text


def errors_text(errors: list[dict[str, str]]) -> str:
    """The problems of a refused submission in one line: ``Label: message; Label: message``."""
    return "; ".join(f"{e['label']}: {e['message']}" for e in errors)


# ---- numbers, dates, times ---------------------------------------------------------------------


def number(value: Any, lang: str) -> str:
    """A count or an amount as the locale writes it (``812 500,5`` in Russian and Kazakh)."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    return format_decimal(amount, locale=lang, decimal_quantization=False)


def day(value: dt.date | str | None, lang: str) -> str:
    """A day as the locale writes it (``4 марта 2024 г.``)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            shown = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        shown = value.date() if isinstance(value, dt.datetime) else value
    return str(format_date(shown, "long", locale=lang))


def moment(value: dt.datetime, lang: str, zone: dt.tzinfo) -> str:
    """A time in the desk's time zone, with its offset: ``6 дек. 2026 г., 12:34:56 (UTC+05:00)``."""
    if value.tzinfo is None:  # SQLite gives back naive UTC times
        value = value.replace(tzinfo=dt.timezone.utc)
    local = value.astimezone(zone)
    offset = local.strftime("%z")
    shown = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return f"{format_datetime(local, 'medium', tzinfo=zone, locale=lang)} ({shown})"


def plural(lang: str, singular: str, many: str, n: int) -> str:
    """``ngettext`` of ``lang`` with ``{n}`` formatted for the locale."""
    return ngettext_for(lang)(singular, many, n).replace("{n}", number(n, lang))
