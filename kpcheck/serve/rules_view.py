"""Rules as JSON for ``GET /api/v1/rules`` and ``/api/v1/rules/{id}``."""

from __future__ import annotations

from typing import Any

from kpcheck.rulebook.loader import Rule


def rule_summary(rule: Rule) -> dict[str, Any]:
    spec = rule.spec
    return {
        "id": spec.id,
        "family": rule.family,
        "severity": spec.severity.value,
        "status": spec.status.value,
        "scope": spec.scope,
        "title": spec.title,
        "in_force": {"from": spec.in_force.from_.isoformat(), "to": spec.in_force.to.isoformat() if spec.in_force.to else None},
        "legal_basis": [b.model_dump() for b in spec.legal_basis],
        "replaced_by": spec.replaced_by,
    }


def rule_detail(rule: Rule) -> dict[str, Any]:
    """The summary and the rule's substance: applicability, condition, message, translations, examples."""
    spec = rule.spec
    return {
        **rule_summary(rule),
        "applies_when": [{"condition": a.condition, "reason": a.reason} for a in spec.applies_when],
        "let": spec.let,
        "condition": spec.condition,
        "fields": spec.fields,
        "params": spec.params,
        "message": spec.message,
        "translations": {lang: t.model_dump() for lang, t in spec.translations.items()},
        "examples": [{"name": e.name, "expect": e.expect} for e in spec.examples],
    }
