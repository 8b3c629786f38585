"""A check, its register history and its decisions as the desk shows and prints them: every
text in the page's language, every number, date and time formatted for its locale.

:func:`result_view` makes the plain values the templates (``_result.html``, ``report.html``)
print; it decides nothing and reads nothing but what it is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import DIRECTION, SEVERITY, act_name, confirmed, provision_name, reason_text, word
from kpcheck.input.models import Submission
from kpcheck.register.rows import canonical
from kpcheck.results import Result
from kpcheck.rulebook.loader import Rulebook
from kpcheck.serve.present import OUTCOMES, day, field_label, moment, plural

HISTORY_RULES = ("XREF-01", "XREF-02")


def verdicts(lang: str) -> dict[str, str]:
    _ = gettext_for(lang)
    return {
        "compliant": _("COMPLIANT"),
        "review": _("REVIEW"),
        "non_compliant": _("NON-COMPLIANT"),
        "invalid": _("INVALID"),
        "error": _("NOT READ"),
    }


def severities(lang: str) -> dict[str, str]:
    _ = gettext_for(lang)
    return {k: _(v) for k, v in SEVERITY.items()}


def drafts(book: Rulebook, rule_ids: list[str], lang: str) -> set[str]:
    """The rules whose text in ``lang`` is a draft not yet reviewed by the legal staff."""
    found = set()
    for rule_id in rule_ids:
        rule = book.get(rule_id)
        translation = rule.spec.translations.get(lang) if rule is not None and lang != "en" else None  # type: ignore[call-overload]
        if translation is not None and translation.draft:
            found.add(rule_id)
    return found


def result_view(
    result: Result,
    errors: list[dict[str, str]],
    sub: Submission | None,
    sha256: str,
    lang: str,
    zone: dt.tzinfo,
    checked_at: dt.datetime,
    book: Rulebook,
    history: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What the result panel and the printed report show of one check."""
    _ = gettext_for(lang)
    rows = history_rows(history or [], sha256, sub, lang, zone)
    colliding = [r for r in rows if r["collides"]]
    draft = drafts(book, [f.rule for f in result.findings], lang)
    findings = []
    for f in result.findings:
        findings.append(
            {
                "rule": f.rule,
                "severity": f.severity,
                "severity_label": word(SEVERITY, f.severity, _),
                "title": f.title,
                "message": f.message,
                "fields": [{"path": p, "label": field_label(p, lang)} for p in f.fields],
                "basis": [
                    {
                        "text": act_name(b, _) + (f", {provision_name(b, _)}" if confirmed(b) else f" ({_('provision unconfirmed')})"),
                        "url": b.get("url") if str(b.get("url") or "").startswith(("http://", "https://")) else None,
                    }
                    for b in f.legal_basis
                ],
                "waived": _waived(f.waived, lang) if f.waived else None,
                "draft": f.rule in draft,
                "collides": colliding if f.rule == "XREF-01" else [],
            }
        )
    n_na = len(result.not_applicable)
    return {
        "status": str(result.status),
        "verdict": verdicts(lang)[str(result.status)],
        "heading": _("Checked") if sub is not None else _("The submission could not be read"),
        "errors": errors,
        "error_line": None if errors or not result.error else f"{result.error['location']}: {result.error['message']}",
        "findings": findings,
        "no_findings": not findings and sub is not None,
        "draft_notice": _(
            "The Kazakh texts of these rules are drafts not yet reviewed by the legal staff; the Russian text is authoritative."
        )
        if draft
        else None,
        "not_applicable": {
            "title": plural(lang, "{n} rule does not apply", "{n} rules do not apply", n_na),
            "rules": [{"rule": n.rule, "reason": reason_text(n.reason, _)} for n in result.not_applicable],
        },
        "checked_at": moment(checked_at, lang, zone),
        "history": {
            "rows": rows,
            "title": plural(lang, "{n} earlier use of this certificate number", "{n} earlier uses of this certificate number", len(rows))
            if rows
            else _("This certificate number is not in the register yet."),
        },
        "counts": plural(lang, "{n} finding", "{n} findings", len(findings)),
    }


def _waived(waived: Mapping[str, Any], lang: str) -> str:
    _ = gettext_for(lang)
    return f"{waived.get('reason', '')} ({waived.get('granted_by', '')}; {_('until')} {day(waived.get('expires_on'), lang)})"


def history_rows(history: list[dict[str, Any]], sha256: str, sub: Submission | None, lang: str, zone: dt.tzinfo) -> list[dict[str, Any]]:
    """The register's entries of the number, oldest first: this very submission marked, the
    ones XREF-01 weighs against it (same direction, another submission) marked as colliding."""
    _ = gettext_for(lang)
    out = []
    own = _canonical_sha(sub)
    for entry in history:
        this = entry["sha256"] in (sha256, own)
        document = _document(entry.get("canonical"))
        out.append(
            {
                "pk": entry["pk"],
                "anchor": f"h-{entry['pk']}",
                "id": entry["submission_id"],
                "number": entry["raw_number"],
                "presented": day(entry["presented_on"], lang),
                "direction": word(DIRECTION, entry["direction"], _),
                "department": document.get("territorial_department") or "—",
                "this": this,
                "collides": sub is not None and not this and entry["direction"] == sub.direction and not entry["duplicate_request"],
                "decisions": [decision_view(d, lang, zone) for d in entry["decisions"]],
            }
        )
    return out


def decision_view(d: Mapping[str, Any], lang: str, zone: dt.tzinfo) -> dict[str, Any]:
    _ = gettext_for(lang)
    outcome = d.get("outcome")
    return {
        "pk": d["pk"],
        "outcome": outcome or "",
        "decision": _(OUTCOMES[outcome]) if outcome in OUTCOMES else _("not decided at the desk"),
        "status": verdicts(lang).get(str(d["status"]), str(d["status"])),
        "by": d.get("decided_by") or "—",
        "at": moment(d["decided_at"], lang, zone),
        "comment": d.get("comment") or "",
        "report": bool(d.get("report")),
        "rulebook": d.get("rulebook_sha256", ""),
    }


def _document(canonical: str | None) -> dict[str, Any]:
    try:
        found = json.loads(canonical or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _canonical_sha(sub: Submission | None) -> str:
    if sub is None:
        return ""
    return hashlib.sha256(canonical(sub).encode()).hexdigest()
