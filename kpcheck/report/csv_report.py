"""The CSV report: one row per finding, and one per submission that could not be read.

Columns: submission, source, certificate, presented_on, direction, status, rule, severity,
message, fields, legal_basis. ``fields`` are the finding's field paths joined with ``"; "``;
``legal_basis`` is ``act, provision`` per act joined with ``"; "``, in the report's language
(``--lang``) like the message (statuses and severities stay the machine values of the JSON report). A submission
with status ``error`` gets one row with an empty rule, severity ``error`` and the message
``"location: message"``, so that nothing disappears from a spreadsheet; a compliant
submission without findings has no row. Lines end with ``\n`` (the same on standard output
and in files, and in the goldens).

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) are prefixed with ``'``: submission IDs and messages come from the
audited files, and opening the report must not execute what they hold. Control and
bidirectional characters in a cell are written escaped (``\x1b``, ``\u202e``), as the JSON
report escapes them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from kpcheck.i18n import gettext_for
from kpcheck.i18n.labels import Gettext, basis_text, waived_note
from kpcheck.input.shorten import safe
from kpcheck.results import Result
from kpcheck.verdicts import Verdict

COLUMNS = (
    "submission",
    "source",
    "certificate",
    "presented_on",
    "direction",
    "status",
    "rule",
    "severity",
    "message",
    "fields",
    "legal_basis",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def error_message(result: Result) -> str:
    """``location: message`` of a result with status ``error``, as the text report prints it."""
    err = result.error or {"message": "unreadable", "location": result.source}
    location = err.get("location") or ""
    return f"{location}: {err.get('message', '')}" if location else str(err.get("message", ""))


def rows(result: Result, _: Gettext = str) -> Iterator[dict[str, str]]:
    """The report's rows of one result, as ``{column: text}`` plus the rule's ``title`` (also the
    HTML table's rows); ``_`` translates the legal basis."""
    base = {
        "submission": result.submission or "",
        "source": result.source,
        "certificate": result.certificate or "",
        "presented_on": result.presented_on.isoformat() if result.presented_on else "",
        "direction": result.direction or "",
        "status": result.status,
    }
    if result.status is Verdict.ERROR:
        yield {**base, "rule": "", "title": "", "severity": "error", "message": error_message(result), "fields": "", "legal_basis": ""}
        return
    for f in result.findings:
        yield {
            **base,
            "rule": f.rule,
            "title": f.title,
            "severity": f.severity,
            "message": f.message + waived_note(f),
            "fields": "; ".join(f.fields),
            "legal_basis": basis_text(f.legal_basis, _),
        }


def neutralise(cell: str) -> str:
    """The cell, made inert for spreadsheets when it would start a formula, its control and
    bidirectional characters escaped (:func:`kpcheck.input.shorten.safe`)."""
    cell = "'" + cell if len(cell) > 1 and cell.startswith(_FORMULA_START) else cell
    return safe(cell)


class CsvWriter:
    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.stream = stream
        self.writer = csv.writer(stream, lineterminator="\n")
        self._ = gettext_for(options.get("lang") or "en")
        self.path: str | None = options.get("path")
        self.meta: dict[str, Any] = {}

    def start(self, meta: dict[str, Any]) -> None:
        """The header row. A report written to a file gets its identity and provenance beside
        it once it is complete, as JSON (``findings.csv`` -> ``findings.csv.json``): a CSV has
        no place for them."""
        self.writer.writerow(COLUMNS)
        self.meta = meta

    def add(self, result: Result) -> None:
        for row in rows(result, self._):
            self.writer.writerow([neutralise(row[c]) for c in COLUMNS])

    def render(self, results: list[Result]) -> str:
        """The rows of consecutive results, as :meth:`add` writes them: pure, so that an
        audit's workers render their own part."""
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        for result in results:
            for row in rows(result, self._):
                writer.writerow([neutralise(row[c]) for c in COLUMNS])
        return text.getvalue()

    def add_rendered(self, text: str, count: int) -> None:
        """Write what :meth:`render` made of ``count`` results."""
        self.stream.write(text)

    def finish(self, summary: dict[str, int]) -> None:
        self.stream.flush()
        if self.path and self.path != "-":
            sidecar(self.path, self.meta)


def sidecar(path: str, meta: dict[str, Any]) -> None:
    """``path``.json: the report's identity (kpcheck, rulebook, registers, the register checked
    against, the waivers file, the settings that came from outside the command line)."""
    import json

    with open(f"{path}.json", "w", encoding="utf-8") as stream:
        json.dump(meta, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
