"""How the values of a submission compare and read: the text normalisers every layer shares.

Certificate and document numbers compare by one key (:func:`normalise_number`) everywhere a
number is compared or looked up (XREF, EAEU-02, waivers, the register's stored key and
``register show``); :func:`number_form` is the rulebook's number normalisation (1.1), which
FORM-04 reads to see whether a number holds anything but A-Z and 0-9; texts lower-cased with whitespace folded (:func:`normalise_text`);
a value is *blank* when absent or only whitespace; :func:`format_value` is how a value reads in
a message or a document. Pure functions: no reference data, no rules.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal
from typing import Any

_DROPPED_CATEGORIES = frozenset({"Cf", "Pd"})  # format characters (zero-width, BOM, soft hyphen...), dashes
_PLAIN_NUMBER = re.compile(r"[A-Z0-9]+")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def number_form(value: str | None) -> str | None:
    """The rulebook's number normalisation (1.1, "number comparison"): Unicode NFKC, then every
    whitespace character (``str.isspace``), format character (category Cf) and dash (Pd)
    removed, then upper case. None when nothing is left."""
    if value is None:
        return None
    if value.isascii():  # NFKC changes no ASCII text; the only ASCII dash is "-"; no ASCII character is Cf
        form = "".join(value.split()).replace("-", "").upper()
    else:
        text = unicodedata.normalize("NFKC", value)
        form = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in _DROPPED_CATEGORIES).upper()
    return form or None


def plain_number(value: str | None) -> bool | None:
    """The number (as :func:`number_form` reads it) holds only the Latin letters A-Z and the
    digits 0-9 (FORM-04); None when it is blank."""
    form = number_form(value)
    return None if form is None else _PLAIN_NUMBER.fullmatch(form) is not None


@functools.lru_cache(maxsize=8192)
def normalise_number(value: str | None) -> str | None:
    """The key by which certificate and document numbers compare and are looked up: the
    :func:`number_form`, with every decimal digit of any script read as its ASCII digit and
    everything that is neither a letter nor a digit (a trailing dot, a combining mark, a
    control character) left out, so that no decoration hides a reused number (FORM-04 reports
    the decoration itself; docs/decisions.md). None when blank.

    Remembered for the last 8,192 texts (a pure function of its text): one submission's number
    is keyed by several rules and by the checks across certificates, and its customs
    documents' numbers by every rule that looks for a document (issue 26: five keys a
    submission, each about 500 ns, a remembered one 80 ns)."""
    if value is None:
        return None
    if value.isascii():  # the hot path: an audit keys every submission
        key = "".join(value.split()).upper()
        if not key.isalnum():
            key = "".join(ch for ch in key if ch.isalnum())
        return key or None
    form = number_form(value) or ""
    key = "".join(_ascii_digit(ch) for ch in form if ch.isalnum())
    return key.upper() or None


def _ascii_digit(ch: str) -> str:
    digit = unicodedata.decimal(ch, None)
    return ch if digit is None else str(digit)


def format_value(value: Any) -> str:
    """How a value reads in a message or a document: ISO dates, plain decimals, true/false."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def normalise_text(value: str | None) -> str | None:
    """Texts compare lower-cased, trimmed, with every run of whitespace as one space."""
    return None if value is None else " ".join(value.lower().split())
