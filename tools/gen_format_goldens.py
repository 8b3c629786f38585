"""Generate the golden audit reports ``fixtures/expected/audit-sample.{csv,xml,txt,html}``.

The inputs are constructed here (no rulebook, no files read): a compliant submission, an
invalid one with two findings, a non-compliant one, a warning-only one and one that could
not be read. The metadata is fixed, so nothing needs masking. ``tests/test_report_formats.py``
imports this script and fails when a writer's output drifts from the goldens.

Usage::

    python tools/gen_format_goldens.py            # (re)write the goldens
    python tools/gen_format_goldens.py --check    # exit 1 if a golden differs from a fresh run
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path

from kpcheck.api import Result, summarize
from kpcheck.engine import Finding, NotApplicable
from kpcheck.report import make_writer

EXPECTED = Path(__file__).resolve().parents[1] / "fixtures" / "expected"
GOLDENS = {"csv": "audit-sample.csv", "junit": "audit-sample.xml", "audit-text": "audit-sample.txt", "html": "audit-sample.html"}
OPTIONS = {"fail_on": "violation", "width": 110}
META = {
    "kpcheck": "0.0.0-golden",
    "rulebook": {"version": "2024.1", "sha256": "0" * 64},
    "reference": "example",
    "registers": {"sha256": "f" * 64},
}
BASIS = ({"act": "Government Resolution No 356 of 20.06.2016", "provision": "to be confirmed", "url": None},)


def finding(rule: str, severity: str, title: str, message: str, *fields: str) -> Finding:
    return Finding(rule, severity, title, message, tuple(fields), BASIS)


ERASURE = finding(
    "COND-01",
    "invalid",
    "Certificate bears erasures",
    "Certificate KZ000123 bears erasures; it is invalid and must not be accepted.",
    "certificate.condition.erasures",
)
EXPORTER = finding(
    "FORM-03",
    "violation",
    "Exporter not in the register",
    'Exporter "Alpha & Co" <KZ-77> is not in the register of exporters, as of 2024-03-05.',
    "exporter.name",
    "exporter.bin",
)
EXPORTER_2 = finding(
    "FORM-03",
    "violation",
    "Exporter not in the register",
    'Exporter "Beta, LLP" is not in the register of exporters, as of 2023-11-20.',
    "exporter.bin",
)
LATE = finding(
    "DEADL-02",
    "warning",
    "Declaration close to the deadline",
    "Declared 4 working days after import; the law allows 5.",
    "customs.declared_on",
)


def sample_results() -> list[Result]:
    """The constructed batch, in input order."""
    return [
        Result(
            "ALA-2023-0001",
            "audit/2023/ok.json",
            "compliant",
            [],
            [NotApplicable("EAEU-01", "no customs declaration")],
            certificate="KZ000101",
            direction="export",
            presented_on=dt.date(2023, 6, 1),
        ),
        Result(
            "ALA-2024-0007",
            "audit/2024/erasure.json",
            "invalid",
            [ERASURE, EXPORTER],
            certificate="KZ000123",
            direction="export",
            presented_on=dt.date(2024, 3, 5),
        ),
        Result(
            "ALA-2023-0042",
            "audit/batch.jsonl:2",
            "non_compliant",
            [EXPORTER_2],
            certificate="KZ000142",
            direction="export",
            presented_on=dt.date(2023, 11, 20),
        ),
        Result(
            "AST-2024-0100",
            "audit/batch.jsonl:3",
            "review",
            [LATE],
            certificate="BE0099887",
            direction="import",
            presented_on=dt.date(2024, 2, 12),
        ),
        Result(
            None,
            "audit/batch.jsonl:4",
            "error",
            error={"message": "invalid JSON: Expecting ',' delimiter", "location": "audit/batch.jsonl:4:17"},
        ),
    ]


def render(fmt: str, results: list[Result] | None = None, options: dict | None = None, meta: dict | None = None) -> str:
    """One format's report of ``results`` (default: the sample batch), as a string."""
    results = sample_results() if results is None else results
    stream = io.StringIO(newline="")
    writer = make_writer(fmt, stream, dict(OPTIONS if options is None else options))
    writer.start(META if meta is None else meta)
    for result in results:
        writer.add(result)
    writer.finish(summarize(results))
    return stream.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a golden differs from a fresh run")
    args = parser.parse_args(argv)
    drift = []
    for fmt, name in GOLDENS.items():
        path, text = EXPECTED / name, render(fmt)
        if args.check:
            if not path.exists() or path.read_bytes().decode("utf-8") != text:
                drift.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {path}")
    for name in drift:
        print(f"drift: {name}; run python tools/gen_format_goldens.py", file=sys.stderr)
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
