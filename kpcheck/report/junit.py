"""The JUnit XML report: one test case per submission, for CI dashboards.

A submission passes when it has no finding at or above ``--fail-on``; it fails with a
``<failure>`` listing those findings; a submission that could not be read (status ``error``)
gets an ``<error>``. Findings below ``--fail-on`` go to the test case's ``<system-out>``.

The suite's counts are known only at the end, so test cases are spooled to a temporary file
while the batch streams and copied under the ``<testsuite>`` header at ``finish()``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from kpcheck.i18n.labels import waived_note
from kpcheck.report.csv_report import error_message
from kpcheck.results import Result
from kpcheck.verdicts import Severity, Verdict

# Characters XML 1.0 does not allow, even escaped; they become U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def attr(text: str) -> str:
    """A quoted, escaped attribute value."""
    return quoteattr(clean(text))


def body(text: str) -> str:
    return escape(clean(text))


def finding_line(f: Any) -> str:
    fields = f" [{', '.join(f.fields)}]" if f.fields else ""
    return f"{f.rule} ({f.severity}): {f.message}{waived_note(f)}{fields}"


class JunitWriter:
    def __init__(self, stream: IO[str], options: dict[str, Any]):
        self.stream = stream
        self.fail_on = options.get("fail_on") or Severity.VIOLATION.value
        self.floor = Severity(self.fail_on).rank if self.fail_on != "never" else None
        self.spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self.meta: dict[str, Any] = {}
        self.tests = self.failures = self.errors = 0

    def start(self, meta: dict[str, Any]) -> None:
        self.meta = meta

    def add(self, result: Result) -> None:
        self.tests += 1
        classname = f"kpcheck.{result.direction or 'error'}"
        name = result.submission or result.source
        out = [f"    <testcase classname={attr(classname)} name={attr(name)}>"]
        if result.status is Verdict.ERROR:
            self.errors += 1
            message = error_message(result)
            out.append(f'      <error message={attr(message)} type="error">{body(result.source + chr(10) + message)}</error>')
        elif result.fails(self.fail_on):
            self.failures += 1
            out.append(self.failure(result))
        below = [f for f in result.findings if f.waived is not None or self.floor is None or Severity(f.severity).rank < self.floor]
        if below:
            out.append(f"      <system-out>{body(chr(10).join(finding_line(f) for f in below))}</system-out>")
        if len(out) == 1:
            self.spool.write(out[0][:-1] + "/>\n")
        else:
            self.spool.write("\n".join(out) + "\n    </testcase>\n")

    def failure(self, result: Result) -> str:
        failing = [f for f in result.findings if f.waived is None and self.floor is not None and Severity(f.severity).rank >= self.floor]
        rules = ", ".join(f.rule for f in failing)
        message = f"{result.status}: {len(failing)} finding(s) at or above {self.fail_on}: {rules}"
        text = "\n".join([result.source, *(finding_line(f) for f in failing)])
        return f"      <failure message={attr(message)} type={attr(result.status)}>{body(text)}</failure>"

    def properties(self) -> list[str]:
        book = self.meta.get("rulebook") or {}
        pairs = [
            ("kpcheck", self.meta.get("kpcheck")),
            ("engine", self.meta.get("engine")),
            ("rulebook.version", book.get("version")),
            ("rulebook.sha256", book.get("sha256")),
            ("reference", self.meta.get("reference")),
            ("fail_on", self.fail_on),
            *provenance_properties(self.meta),
        ]
        return [f"      <property name={attr(k)} value={attr(str(v))}/>" for k, v in pairs if v is not None]

    def finish(self, summary: dict[str, int]) -> None:
        w = self.stream.write
        w('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n')
        w(f'  <testsuite name="kpcheck" tests="{self.tests}" failures="{self.failures}" errors="{self.errors}" skipped="0">\n')
        props = self.properties()
        if props:
            w("    <properties>\n" + "\n".join(props) + "\n    </properties>\n")
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.stream)
        self.spool.close()
        w("  </testsuite>\n</testsuites>\n")


def provenance_properties(meta: dict[str, Any]) -> list[tuple[str, Any]]:
    """The register checked against, the waivers file and where the settings came from, as
    properties (``provenance.register``, ``provenance.waivers``, ``provenance.settings.rules``)."""
    found = meta.get("provenance") or {}
    pairs: list[tuple[str, Any]] = [(f"provenance.{k}", found.get(k)) for k in ("register", "waivers", "rules", "reference")]
    pairs += [(f"provenance.settings.{name}", where) for name, where in (found.get("settings") or {}).items()]
    return pairs
