"""Plain words for the YAML slips a person makes in a rule file, each at its line and column with a hint.

The YAML reader's own messages (``found duplicate key "0" with value "None"``, ``mapping values
are not allowed here``, ``expected <block end>, but found '<block sequence start>'``) say what
the parser saw, not what the writer did. :func:`yaml_slip` recognises the usual slips from the
error and the line it stands on — a number with thousands separators, ``: `` in a text left
unquoted, an indentation that does not line up, a tab, a key given twice — and words each as a
message template (an English msgid, translated for ``--lang ru|kk``) with its arguments;
:func:`value_text` shows a value as the file would write it (never a Python ``repr``).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from kpcheck.i18n.labels import N_
from kpcheck.input.yamlio import YamlSyntaxError
from kpcheck.problems import Location

THOUSANDS = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w,])")
T_THOUSANDS = N_("the number {number} is written with thousands separators; write it without them: {plain} (a fraction takes a point: 0.5)")
T_COLON = N_('a text with ": " in it must be put in quotes: {key}: "{value}"')
T_INDENT = N_(
    "the indentation does not line up ({n} spaces here): the keys of one mapping start in one column, "
    "and every level is indented by the same number of spaces (2 in the rulebook)"
)
T_TAB = N_("a tab character: YAML indents with spaces only; replace the tab with spaces")
T_DUPLICATE = N_("the key '{key}' is given twice (first on line {first}); a mapping holds each key once: remove or rename one")
T_DATE_NUMBER = N_("'{field}' is a date and is compared with the number {value}: write the date as YYYY-MM-DD, for example {example}")
T_NUMBER_DATE = N_("'{field}' is a number and is compared with the date {value}: compare a number with a number")
T_MISMATCH = N_("type mismatch: '{field}' is {kind}, compared with {value}")
_INDENT_WORDS = ("block end", "expected key", "block mapping", "block collection", "expected ':'", "expected <block")


def value_text(value: Any) -> str:
    """A value as a rule file writes it: ``2024-01-01``, ``1000``, ``true``, ``null``, ``'text'``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dt.date, int, Decimal, float)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, str):
        return "'" + value.replace("\n", " ")[:80] + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def thousands(text: str) -> tuple[str, dict[str, str]] | None:
    """The thousands-separator slip for a number written as text (``1,000,000``), or None."""
    match = THOUSANDS.fullmatch(text.strip())
    if match is None:
        return None
    return T_THOUSANDS, {"number": match.group(0), "plain": match.group(0).replace(",", "")}


def literal_slip(field: str, kind: str, value: Any) -> tuple[str, dict[str, str]]:
    """A comparison's value of the wrong type, worded for the slip it most likely is."""
    if kind in ("decimal", "int") and isinstance(value, str) and thousands(value):
        return thousands(value)  # type: ignore[return-value]
    if kind == "date" and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        digits = str(value)
        example = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) == 8 else "2024-01-01"
        return T_DATE_NUMBER, {"field": field, "value": digits, "example": example}
    if kind in ("decimal", "int") and isinstance(value, dt.date):
        return T_NUMBER_DATE, {"field": field, "value": value.isoformat()}
    return T_MISMATCH, {"field": field, "kind": kind, "value": value_text(value)}


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""


def yaml_slip(exc: YamlSyntaxError, text: str) -> tuple[Location, str | None, dict[str, str]]:
    """(where, template or None, arguments) for a YAML error of a rule file's ``text``."""
    where, message = exc.location, exc.message
    line = _line(text, where.line or 0)
    number = THOUSANDS.search(line) if where.line else None
    if number is not None and ("duplicate key" in message or "," in line.split("#")[0]):
        spot = Location(where.file, where.line, number.start() + 1)
        return spot, T_THOUSANDS, {"number": number.group(0), "plain": number.group(0).replace(",", "")}
    if "\\t" in message or "\t" in line[: (where.column or 1)]:
        column = line.find("\t") + 1 if "\t" in line else where.column
        return Location(where.file, where.line, column), T_TAB, {}
    if "duplicate key" in message:
        key = re.search(r'duplicate key "([^"]*)"', message)
        name = key.group(1) if key else ""
        first = next(
            (
                n
                for n, text_line in enumerate(text.splitlines()[: (where.line or 1) - 1], 1)
                if re.match(rf"\s*-?\s*{re.escape(name)}\s*:", text_line)
            ),
            None,
        )
        return where, T_DUPLICATE, {"key": name, "first": str(first or "?")}
    if "mapping values are not allowed" in message:
        found = re.match(r"(\s*(?:-\s+)?)([^:#]+?):\s+(.*)$", line)
        if found:
            return where, T_COLON, {"key": found.group(2).strip(), "value": found.group(3).strip().replace('"', '\\"')}
    if any(words in message for words in _INDENT_WORDS) and where.line:
        indent = len(line) - len(line.lstrip(" "))
        return Location(where.file, where.line, indent + 1), T_INDENT, {"n": str(indent)}
    return where, None, {}


__all__ = ["literal_slip", "thousands", "value_text", "yaml_slip"]
