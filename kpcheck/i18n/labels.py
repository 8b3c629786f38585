"""The interface words every report shares: statuses, severities, directions, acts, provisions.

Each is an English msgid of the ``kpcheck`` catalogue, marked with :func:`N_` so that the
catalogue and the code name the same texts; a report translates them with the ``_`` of its
language (:func:`kpcheck.i18n.gettext_for`). Acts and provisions are rule data written in
English in the rule files; the catalogue holds the names the acts officially bear in Russian
and Kazakh, so a finding cites its law in the reader's language. An act or provision the
catalogue does not know (an amended rulebook) is shown as the rule file gives it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

Gettext = Callable[[str], str]


def N_(text: str) -> str:
    """Mark a text for the catalogue without translating it here."""
    return text


STATUS = {
    "compliant": N_("Compliant"),
    "review": N_("Review"),
    "non_compliant": N_("Non-compliant"),
    "invalid": N_("Invalid"),
    "error": N_("Error"),
}
VERDICT = {
    "compliant": N_("COMPLIANT"),
    "review": N_("REVIEW"),
    "non_compliant": N_("NON-COMPLIANT"),
    "invalid": N_("INVALID"),
    "error": N_("ERROR"),
}
SEVERITY = {"invalid": N_("invalid"), "violation": N_("violation"), "warning": N_("warning"), "info": N_("info"), "error": N_("error")}
# a comparison in words (date, other): the rulebook document and the explanations of kpcheck explain
CONDITION_VERBS = {
    "equals": (N_("is"), N_("is")),
    "not_equals": (N_("is not"), N_("is not")),
    "less_than": (N_("is before"), N_("is less than")),
    "at_most": (N_("is on or before"), N_("is at most")),
    "greater_than": (N_("is after"), N_("is greater than")),
    "at_least": (N_("is on or after"), N_("is at least")),
    "one_of": (N_("is one of"), N_("is one of")),
    "not_one_of": (N_("is not one of"), N_("is not one of")),
}

DIRECTION = {"export": N_("export"), "import": N_("import")}
RULE_STATUS = {"active": N_("active"), "retired": N_("retired")}
UNCONFIRMED = "to be confirmed"

ACTS = (
    N_("Government Resolution No 356 of 20.06.2016 (rules for import and export of rough natural diamonds)"),
    N_("Government Resolution No 356 of 20.06.2016"),
    N_("Kimberley Process Certification Scheme Core Document"),
    N_("EEC Board Decision No 30 of 21.04.2015 (as amended by Decision No 131 of 06.10.2015)"),
    N_("EAEU Agreement on operations with precious metals and precious stones of 22.11.2019"),
    N_("Republic of Kazakhstan annual report on the KPCS for 2023"),
)
PROVISIONS = (
    N_("to be confirmed"),
    N_("section C"),
    N_("section C (duplicates of damaged certificates)"),
    N_("section E (statistics)"),
    N_("Annex I (minimum requirements for certificates)"),
    N_("Annex 13 (precious stones), Appendix 2"),
    N_("Annex 13, Appendix 2 (state control)"),
    N_("Art. 7 (in force 24.05.2021)"),
    N_("Section III"),
    N_("Section II and Annex I (each certificate uniquely numbered, one certificate per shipment)"),
    N_("Section V (statistics; review of anomalous trade data)"),
)


def word(table: Mapping[str, str], key: str | None, _: Gettext) -> str:
    """``key``'s label from ``table`` in the language of ``_``; an unknown key as it is."""
    if key is None:
        return _("unknown")
    return _(table[key]) if key in table else key


def confirmed(basis: Mapping[str, Any]) -> bool:
    return str(basis.get("provision") or "").strip().lower() != UNCONFIRMED


def act_name(basis: Mapping[str, Any], _: Gettext) -> str:
    return _(str(basis.get("act") or "").strip())


def provision_name(basis: Mapping[str, Any], _: Gettext) -> str:
    return _(str(basis.get("provision") or "").strip())


def basis_text(bases: Iterable[Mapping[str, Any]], _: Gettext) -> str:
    """``act, provision; act (provision to be confirmed)`` in the language of ``_``."""
    parts = []
    for b in bases:
        mark = f" ({_('provision unconfirmed')})" if not confirmed(b) else f", {provision_name(b, _)}"
        parts.append(act_name(b, _) + mark)
    return "; ".join(parts)


def waived_note(finding: Any, _: Callable[[str], str] = str) -> str:
    """`` (waived: reason; order; until date; file:line)`` for a waived finding, else empty (for reports);
    ``_`` translates its words (:func:`kpcheck.i18n.gettext_for`)."""
    w = getattr(finding, "waived", None)
    if not w:
        return ""
    return f" ({_('waived')}: {w['reason'].rstrip('.')}; {w['granted_by']}; {_('until')} {w['expires_on']}; {w['line']})"


NOT_IN_FORCE = re.compile(r"^not in force on (\S+) \(in force from (\S+?)(?: to (\S+))?\)$")


def reason_text(reason: str, _: Gettext) -> str:
    """A not-applicable reason in the language of ``_``: the rule file's reasons are catalogue
    texts; the engine's own "not in force on …" is rebuilt from its dates."""
    found = NOT_IN_FORCE.match(reason)
    if found is None:
        return _(reason)
    on, start, end = found.groups()
    if end is None:
        return _("not in force on {on} (in force from {start})").format(on=on, start=start)
    return _("not in force on {on} (in force from {start} to {end})").format(on=on, start=start, end=end)


def localised_entry(entry: dict[str, Any], _: Gettext) -> dict[str, Any]:
    """One result of the JSON report with the texts kpcheck writes from rule data in the
    language of ``_``: each legal basis's act and provision by the act's official name, each
    not-applicable reason (titles and messages already come in the check's language).
    Codes, field paths and the submission's own values are left as they are."""
    for violation in entry["violations"]:
        violation["legal_basis"] = [{**b, "act": act_name(b, _), "provision": provision_name(b, _)} for b in violation["legal_basis"]]
    entry["not_applicable"] = [{**n, "reason": reason_text(n["reason"], _)} for n in entry["not_applicable"]]
    return entry
