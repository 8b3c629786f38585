"""The report of ``rules impact --register``: text, CSV and HTML of a
:class:`~kpcheck.tooling.register_impact.RegisterImpact`, in en, ru or kk."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import N_
from kpcheck.problems import fill
from kpcheck.tooling.impact_render import period_text
from kpcheck.tooling.register_impact import DecisionChange, RegisterImpact

COLUMNS = (
    ("certificate", N_("Certificate")),
    ("direction", N_("Direction")),
    ("presented_on", N_("Presented on")),
    ("period", N_("Period")),
    ("decided_at", N_("Decided at")),
    ("decided_by", N_("Decided by")),
    ("command", N_("Decided through")),
    ("status_before", N_("Status taken")),
    ("status_after", N_("Status after the amendment")),
    ("findings_before", N_("Findings taken")),
    ("findings_after", N_("Findings after the amendment")),
    ("rulebook_before", N_("Rulebook (SHA-256) of the decision")),
    ("rulebook_after", N_("Amended rulebook (SHA-256)")),
)


def _cells(c: DecisionChange, _: Any) -> list[str]:
    values: dict[str, Any] = {
        "certificate": c.certificate,
        "direction": _(c.direction),
        "presented_on": c.presented_on.isoformat(),
        "period": period_text(c.period, _),
        "decided_at": c.decided_at,
        "decided_by": c.decided_by or "",
        "command": c.command,
        "status_before": _(c.status_before),
        "status_after": _(c.status_after),
        "findings_before": " ".join(c.findings_before) or "—",
        "findings_after": " ".join(c.findings_after) or "—",
        "rulebook_before": c.rulebook_before,
        "rulebook_after": c.rulebook_after,
    }
    return [str(values[key]) for key, _label in COLUMNS]


def _summary(report: RegisterImpact, _: Any) -> list[str]:
    lines = [
        fill(
            _(
                "Register {register}: {n} decision(s) replayed under rulebook {old} (sha256 {old_sha}) and {new} "
                "(sha256 {new_sha}); {changed} would change"
            ),
            {
                "register": report.register,
                "n": str(report.decisions),
                "old": report.old["version"],
                "old_sha": report.old["sha256"][:12],
                "new": report.new["version"],
                "new_sha": report.new["sha256"][:12],
                "changed": str(len(report.changes)),
            },
        )
    ]
    if report.unreadable:
        lines.append(fill(_("{n} decision(s) whose submission could not be checked again are left out"), {"n": str(report.unreadable)}))
    return lines


def to_text(report: RegisterImpact, lang: str = "en") -> str:
    """Summary, then per period and per rule, then each decision that would change."""
    _ = gettext_for(lang)
    out = _summary(report, _)
    out.append("")
    out.append(_("By period presented") + ":")
    for period, tally in report.periods.items():
        out.append(
            f"  {period_text(period, _)}: "
            + fill(_("{n} decision(s), {changed} would change"), {"n": str(tally["decisions"]), "changed": str(tally["changed"])})
        )
    if report.rules:
        out.append(_("By rule") + ":")
        for rule in sorted(report.rules):
            counts = report.rules[rule]
            out.append(
                f"  {rule}: "
                + fill(
                    _("appears in {added}, disappears from {removed}"), {"added": str(counts["added"]), "removed": str(counts["removed"])}
                )
            )
    if not report.changes:
        out.append(_("The amendment changes no decision of this register."))
        return "\n".join(out) + "\n"
    out.append(_("Decisions that would change") + ":")
    for c in report.changes:
        moves = " ".join([f"+{r}" for r in c.added] + [f"-{r}" for r in c.removed])
        status = _(c.status_before) if c.status_before == c.status_after else f"{_(c.status_before)} → {_(c.status_after)}"
        by = f", {c.decided_by}" if c.decided_by else ""
        out.append(
            f"  {c.certificate} ({_(c.direction)}, {c.presented_on.isoformat()}): {status}  {moves}  "
            f"[{c.decided_at}{by}, {c.command}; {' '.join(c.findings_before) or '—'} → {' '.join(c.findings_after) or '—'}; "
            f"{c.rulebook_before[:12]} → {c.rulebook_after[:12]}]"
        )
    return "\n".join(out) + "\n"


def to_csv(report: RegisterImpact, lang: str = "en") -> str:
    """One row per decision that would change, headed in ``lang``."""
    _ = gettext_for(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_(label) for _key, label in COLUMNS])
    for c in report.changes:
        writer.writerow(_cells(c, _))
    return buffer.getvalue()


def to_html(report: RegisterImpact, lang: str = "en") -> str:
    """One page: the summary, the periods and rules, a table of the decisions that would change."""
    _ = gettext_for(lang)
    e = html.escape
    head = "".join(f"<th>{e(_(label))}</th>" for _key, label in COLUMNS)
    rows = "".join("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in _cells(c, _)) + "</tr>" for c in report.changes)
    periods = "".join(
        f"<tr><td>{e(period_text(p, _))}</td><td>{n['decisions']}</td><td>{n['changed']}</td></tr>" for p, n in report.periods.items()
    )
    rules = "".join(f"<tr><td>{e(r)}</td><td>{n['added']}</td><td>{n['removed']}</td></tr>" for r, n in sorted(report.rules.items()))
    title = _("Amendment impact on the register")
    summary = "".join(f"<p>{e(line)}</p>" for line in _summary(report, _))
    return (
        f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(title)}</title>'
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}</style></head><body>"
        f"<h1>{e(title)}</h1>{summary}"
        f"<h2>{e(_('By period presented'))}</h2><table><tr><th>{e(_('Period'))}</th><th>{e(_('Decisions'))}</th>"
        f"<th>{e(_('Would change'))}</th></tr>{periods}</table>"
        f"<h2>{e(_('By rule'))}</h2><table><tr><th>{e(_('Rule'))}</th><th>{e(_('Appear'))}</th>"
        f"<th>{e(_('Disappear'))}</th></tr>{rules}</table>"
        f"<h2>{e(_('Decisions that would change'))}</h2><table><tr>{head}</tr>{rows}</table></body></html>\n"
    )


def to_json(report: RegisterImpact, lang: str = "en") -> str:
    """The report as JSON: the rulebooks, the register, counts per period and per rule, each change."""
    doc = {
        "register": report.register,
        "old": report.old,
        "new": report.new,
        "decisions": report.decisions,
        "unreadable": report.unreadable,
        "periods": {p: dict(n) for p, n in report.periods.items()},
        "rules": report.rules,
        "changes": [
            {
                "decision": c.decision,
                "certificate": c.certificate,
                "direction": c.direction,
                "presented_on": c.presented_on.isoformat(),
                "period": c.period,
                "decided_at": c.decided_at,
                "decided_by": c.decided_by,
                "command": c.command,
                "status_before": c.status_before,
                "status_after": c.status_after,
                "findings_before": list(c.findings_before),
                "findings_after": list(c.findings_after),
                "added": list(c.added),
                "removed": list(c.removed),
                "rulebook_before": c.rulebook_before,
                "rulebook_after": c.rulebook_after,
            }
            for c in report.changes
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": to_text, "csv": to_csv, "html": to_html, "json": to_json}
