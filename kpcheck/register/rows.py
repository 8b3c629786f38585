"""What a submission and a decision become in the register, and the XREF key a row gives back.

A submission is stored as its canonical JSON (the model's fields as given, keys sorted, no
spaces) with the SHA-256 of those bytes, beside the columns of its
:class:`~kpcheck.batch.xref.XrefKey` so that the checks across submissions read the register
without parsing a document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from kpcheck.batch.xref import XrefKey, key_of
from kpcheck.input.models import Submission
from kpcheck.results import Result

KEY_COLUMNS = (
    "direction",
    "presented_on",
    "raw_number",
    "number",
    "id_hash",
    "supersedes_hash",
    "duplicate_request",
    "original",
    "raw_original",
    "content_hash",
    "submission_id",
)
DECISION_COLUMNS = ("pk", "last_status", "last_decided_at")  # beside the key columns: where the key was read


def canonical(sub: Submission) -> str:
    """The submission as given, as canonical JSON: readable again by every reader of kpcheck."""
    data = sub.model_dump(mode="json", exclude_unset=True)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def submission_row(sub: Submission, source: str, now: dt.datetime) -> dict[str, Any]:
    """The ``submissions`` row of one readable submission."""
    text = canonical(sub)
    key = key_of(sub)
    row = {name: getattr(key, name) for name in KEY_COLUMNS}
    row.update(
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        supersedes=sub.supersedes,
        source=source,
        added_at=now,
        canonical=text,
    )
    return row


def key_of_row(row: Mapping[str, Any], where: str = "") -> XrefKey:
    """The XREF key a stored row stands for (prices are left out: XREF-03 is a batch's own);
    its source is the register ``where`` with the row number and the last decision taken on it
    (``sqlite:///r.db#12: non_compliant 2024-03-05``)."""
    values = {name: row[name] for name in KEY_COLUMNS}
    values["content_hash"] = values["content_hash"] or 0  # NULL: a stored document that no longer reads
    source = f"{where}#{row['pk']}" if row.get("pk") is not None else where
    if row.get("last_status"):
        source += f": {row['last_status']} {str(row['last_decided_at'])[:10]}"
    return XrefKey(**values, source=source)


def decision_row(
    result: Result, submission_pk: int, meta: Mapping[str, Any], command: str, by: str | None, now: dt.datetime
) -> dict[str, Any]:
    """The ``decisions`` row of one checked submission; ``meta`` is the report's identity."""
    return {
        "submission": submission_pk,
        "decided_at": now,
        "command": command,
        "status": result.status,
        "kpcheck": meta["kpcheck"],
        "rulebook_version": str(meta["rulebook"]["version"]),
        "rulebook_sha256": meta["rulebook"]["sha256"],
        "registers_sha256": meta["registers"]["sha256"],
        "engine": meta.get("engine", ""),
        "decided_by": by,
        "waivers_sha256": (meta.get("waivers") or {}).get("sha256"),
    }


def finding_rows(result: Result, decision_pk: int) -> list[dict[str, Any]]:
    return [
        {
            "decision": decision_pk,
            "rule": f.rule,
            "severity": f.severity,
            "fields": json.dumps(list(f.fields)),
            "waived": json.dumps(f.waived, sort_keys=True) if f.waived else None,
        }
        for f in result.findings
    ]
