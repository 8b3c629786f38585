"""An explanation (:func:`kpcheck.engine.explain.explain`) as plain text lines, in en, ru or kk:
``kpcheck explain`` and the failures of ``kpcheck rules test``."""

from __future__ import annotations

from typing import Any

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import CONDITION_VERBS, N_

RESULTS = {"triggers": N_("finding (the rule triggers)"), "clean": N_("clean (no finding)"), "not_applicable": N_("not applicable")}
WEEKDAYS = {
    "Mon": N_("Mon"),
    "Tue": N_("Tue"),
    "Wed": N_("Wed"),
    "Thu": N_("Thu"),
    "Fri": N_("Fri"),
    "Sat": N_("Sat"),
    "Sun": N_("Sun"),
}
FIXED_WHY = {"weekend": N_("weekend"), "day off": N_("day off"), "weekend day worked by transfer": N_("weekend day worked by transfer")}
HOLDS = {True: "✓", False: "✗"}


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def _side(side: dict[str, Any]) -> str:
    if "literal" in side:
        return _shown(side["literal"])
    return f"{side['name']} ({_shown(side['value'])})" if "value" in side else str(side["name"])


def clause_lines(clause: dict[str, Any], _: Any, depth: int = 1) -> list[str]:
    """A clause and those under it, one line each, marked ✓ (holds) or ✗."""
    pad = "  " * depth + HOLDS[clause["holds"]] + " "
    kind = clause["kind"]
    item = f"[{clause['item']}] " if "item" in clause else ""
    if kind in ("all", "any"):
        head = _("all of these hold:") if kind == "all" else _("at least one of these holds:")
    elif kind == "not":
        head = _("not:")
    elif kind in ("for_any", "for_all"):
        verb = _("each item of") if kind == "for_all" else _("any item of")
        matching = ", ".join(f"[{i}]" for i in clause["matching"]) or "—"
        head = f"{verb} {clause['list']} ({_('items')}: {clause['items']}; {_('matching')}: {matching})"
    elif kind == "presence":
        head = f"{_side(clause['left'])} {_('is present') if clause['present'] else _('is absent')}"
    else:
        verb = _(CONDITION_VERBS[clause["op"]][0 if clause.get("date") else 1])
        head = f"{_('not:') + ' ' if clause.get('negated') else ''}{_side(clause['left'])} {verb} {_side(clause['right'])}"
    lines = [pad + item + head]
    for sub in clause.get("clauses", ()):
        lines += clause_lines(sub, _, depth + 1)
    return lines


def day_lines(days: list[dict[str, Any]], _: Any, depth: int = 3) -> list[str]:
    """A working-day walk: each day counted (with its number) or skipped (with why)."""
    out = []
    for d in days:
        if d.get("date") is None:
            out.append("  " * depth + _("… {n} more day(s) not listed").replace("{n}", str(d.get("cut"))))
            continue
        head = "  " * depth + f"{d['date']} {_(WEEKDAYS.get(d['weekday'], d['weekday']))}  "
        why = d.get("why")
        why_text = _(FIXED_WHY[why]) if why in FIXED_WHY else why
        if "count" in d:
            text = _("working day {n}").replace("{n}", str(d["count"]))
        elif "late" in d:
            text = _("working day {n} late").replace("{n}", str(d["late"]))
        else:
            text = "— " + _("not counted")
        if why_text:
            text += f" ({why_text})"
        if d.get("deadline"):
            text += "  ← " + _("deadline")
        out.append(head + text)
    return out


def explanation_lines(doc: dict[str, Any], lang: str = "en") -> list[str]:
    """The explanation for people: result, dates, values by date, applicability, derived facts, condition."""
    _ = gettext_for(lang)
    in_force = doc["in_force"]
    dates = _("from {from}").replace("{from}", in_force["from"])
    if in_force.get("to"):
        dates += " " + _("to {to}").replace("{to}", in_force["to"])
    result = _(RESULTS[doc["result"]])
    if doc.get("reason"):
        result += f": {_(doc['reason'])}"
    lines = [
        f"{doc['rule']} — {doc['title']}",
        f"{_('Result')}: {result} [{doc['engine']}]",
        f"{_('Presented on')}: {doc['presented_on']}; {_('In force')}: {dates}: {_('yes') if in_force['holds'] else _('no')}",
    ]
    ref = doc["reference_date"]
    for value in doc.get("dated", ()):
        history = "; ".join(f"{_('from {from}').replace('{from}', d)}: {_shown(v)}" for d, v in value["values"].items())
        read = f"{_('read on')} {ref['field']} {_shown(value['read_on'])}"
        lines.append(f"{_('Value by date')}: {value['param']} = {_shown(value['value'])} ({read}; {history})")
    if doc["applies_when"]:
        lines.append(_("Applies when") + ":")
        for entry in doc["applies_when"]:
            lines += clause_lines(entry["clause"], _)
            if not entry["clause"]["holds"]:
                lines.append("    " + _("otherwise not applicable:") + " " + _(entry["reason"]))
                break
    if doc["derived"]:
        lines.append(_("Derived facts") + ":")
        for fact in doc["derived"]:
            args = ", ".join(f"{a['param']}: " + (f"{a['name']} = " if "name" in a else "") + _shown(a["value"]) for a in fact["args"])
            lines.append(f"  {fact['name']} = {_shown(fact['value'])}  ({fact['fact']}: {args})")
            lines += day_lines(fact.get("days", []), _, 2)
    if in_force["holds"] and all(e["clause"]["holds"] for e in doc["applies_when"]):
        lines.append(_("Finding when") + ":")
        lines += clause_lines(doc["condition"], _)
    if doc.get("message"):
        lines.append(f"{_('Message')}: {doc['message']}")
    return lines


__all__ = ["clause_lines", "day_lines", "explanation_lines"]
