"""Finding messages: a rule's template filled with the submission's values, in the report's language."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import DIRECTION, N_, STATUS
from kpcheck.input.models import Submission
from kpcheck.input.text import format_value
from kpcheck.rulebook.dated import Dated, is_dated, reading_days, steps_of
from kpcheck.rulebook.loader import Rule


def render(template: str, rule: Rule, raw: dict[str, Any], sub: Submission | None, lang: str = "en") -> str:
    """Fill ``{name}`` placeholders with the submission's values and the rule's lets; in ``lang``
    the words kpcheck itself puts into values (an absent value, a direction, a price outlier)."""
    out, rest = [], template
    while "{" in rest and "}" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        out.append(head)
        value = _value(name, rule, raw, sub)
        if lang != "en" and isinstance(value, Decimal) and value.is_finite():
            out.append(local_number(value, lang))  # an amount as the reader's locale writes it: 812 500,5
            continue
        if lang != "en" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            out.append(local_date(value, lang))  # 4 марта 2024 г.
            continue
        text = format_value(value)
        out.append(localise_value(name, text, lang) if lang != "en" else text)
    out.append(rest)
    return "".join(out)


def local_date(value: dt.date, lang: str) -> str:
    from babel.dates import format_date

    return str(format_date(value, "long", locale=lang))


def local_number(value: Decimal, lang: str) -> str:
    from babel.numbers import format_decimal  # only for a report in Russian or Kazakh

    return str(format_decimal(value, locale=lang, decimal_quantization=False))


_WORDS = {
    "participant": N_("participant"),
    "not_participant": N_("not a participant"),
    "suspended": N_("suspended"),
    "self_suspended": N_("self-suspended"),
    "partial": N_("partial participant"),
    "true": N_("yes"),
    "false": N_("no"),
}
_IN_BRACKETS = re.compile(r"\((" + "|".join(w for w in _WORDS if w not in ("true", "false")) + r")\)")
_DECIDED = re.compile(r"(#\d+: )(compliant|review|non_compliant|invalid|error)\b")
_OUTLIER = re.compile(r"line (\d+): ([\d,.]+) US\$/ct against a median of ([\d,.]+)")


def localise_value(name: str, text: str, lang: str) -> str:
    """A value's own words in ``lang``: "(none)", "(not named)", export/import, the outlier lines."""
    _ = gettext_for(lang)
    if name == "direction":
        return _(DIRECTION.get(text, text))
    if text in _WORDS:  # a participant's status from the reference register, a yes or no
        return _(_WORDS[text])
    text = _IN_BRACKETS.sub(lambda m: f"({_(_WORDS[m.group(1)])})", text)
    text = _DECIDED.sub(lambda m: m.group(1) + _(STATUS[m.group(2)]).lower(), text)  # XREF-01: a stored use's verdict
    text = text.replace("(none)", _("(none)")).replace("(not named)", _("(not named)"))
    return _OUTLIER.sub(
        lambda m: (
            _("line {n}: {price} US$/ct against a median of {median}")
            .replace("{n}", m.group(1))
            .replace("{price}", m.group(2))
            .replace("{median}", m.group(3))
        ),
        text,
    )


def _value(name: str, rule: Rule, raw: dict[str, Any], sub: Submission | None) -> Any:
    if name in rule.spec.params:
        value = rule.spec.params[name]
        return Dated(steps_of(value), reading_days(rule.spec.reference_date)).read(raw) if is_dated(value) else value
    if name in rule.lets:
        return raw.get(rule.lets[name].name)
    if name in raw:
        return raw[name]
    obj: Any = sub
    for attr in name.split("."):
        obj = getattr(obj, attr, None) if obj is not None else None
    return obj
