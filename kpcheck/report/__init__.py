"""Results to reports: one module per format, each a streaming writer.

A writer is made with the stream it writes to and the options of the run; then
``start(meta)`` once, ``add(result)`` per submission in input order, ``finish(summary)``
once. Writers never hold the whole batch: audits of millions of submissions stream.
"""

from __future__ import annotations

import importlib
from typing import IO, Any, Protocol

from kpcheck.results import Result


class Writer(Protocol):
    def start(self, meta: dict[str, Any]) -> None: ...
    def add(self, result: Result) -> None: ...
    def finish(self, summary: dict[str, int]) -> None: ...


def result_to_dict(result: Result) -> dict[str, Any]:
    """One entry of the JSON report's ``results`` (docs/report-format.md)."""
    return {
        "submission": result.submission,
        "source": result.source,
        "status": result.status,
        "violations": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "title": f.title,
                "message": f.message,
                "fields": list(f.fields),
                "legal_basis": [dict(b) for b in f.legal_basis],
                **({"waived": dict(f.waived)} if f.waived else {}),
                **({"notes": list(f.notes)} if f.notes else {}),
            }
            for f in result.findings
        ],
        "not_applicable": [{"rule": n.rule, "reason": n.reason} for n in result.not_applicable],
        "error": result.error,
    }


WRITERS = {  # format -> (module, class); imported only when asked for
    "text": ("kpcheck.report.text", "TextWriter"),
    "json": ("kpcheck.report.json_report", "JsonWriter"),
    "audit-text": ("kpcheck.report.audit_text", "AuditTextWriter"),
    "csv": ("kpcheck.report.csv_report", "CsvWriter"),
    "junit": ("kpcheck.report.junit", "JunitWriter"),
    "html": ("kpcheck.report.html", "HtmlWriter"),
}


def make_writer(fmt: str, stream: IO[str], options: dict[str, Any]) -> Writer:
    """The writer of one format (text, json, audit-text, csv, junit, html)."""
    module, name = WRITERS[fmt]
    writer: Writer = getattr(importlib.import_module(module), name)(stream, options)
    return writer


FORMATS_CHECK = ("text", "json")
FORMATS_AUDIT = ("text", "json", "csv", "junit", "html")
