"""Regenerate the golden reports of the fixture submissions (the only way they change).

    python tools/gen_golden_reports.py           # rewrite fixtures/expected/check/ and audit.json
    python tools/gen_golden_reports.py --check   # exit 1 when a committed golden has drifted

Each fixture in fixtures/submissions/ gets the JSON report of `kpcheck check` in
fixtures/expected/check/<name>.json; the whole folder gets the JSON report of `kpcheck
audit` (with the checks across submissions) in fixtures/expected/audit.json. Versions
and hashes are masked, sources are relative to the repository, so only a change in what
kpcheck finds makes them drift.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = Path("fixtures") / "submissions"
EXPECTED = ROOT / "fixtures" / "expected"
MASK = "<masked>"


def masked(report: dict[str, Any]) -> dict[str, Any]:
    report["kpcheck"] = MASK
    report["engine"] = MASK
    report["rulebook"]["sha256"] = MASK
    report.get("registers", {})["sha256"] = MASK
    return report


def render(results, meta: dict[str, Any], compact: bool = False) -> dict[str, Any]:
    from kpcheck.api import summarize
    from kpcheck.report.json_report import JsonWriter

    stream = io.StringIO()
    writer = JsonWriter(stream, {"compact": compact})
    writer.start(meta)
    results = list(results)
    for result in results:
        writer.add(result)
    writer.finish(summarize(results))
    return masked(json.loads(stream.getvalue()))


def goldens(engine: str = "python", jobs: int = 1) -> dict[Path, dict[str, Any]]:
    """Every golden report, as kpcheck makes it now (run from the repository root)."""
    from kpcheck.api import Checker
    from kpcheck.batch.audit import audit

    os.chdir(ROOT)
    checker = Checker.load(engine=engine)
    out = {}
    for path in sorted(SUBMISSIONS.glob("*.json")):
        out[EXPECTED / "check" / path.name] = render(checker.check_paths([str(path)]), checker.meta())
    results = audit([str(SUBMISSIONS)], {"engine": engine}, jobs=jobs)
    out[EXPECTED / "audit.json"] = render(results, checker.meta(), compact=True)
    return out


def text(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="report drift instead of rewriting")
    args = parser.parse_args()
    drift = 0
    for path, report in goldens().items():
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text(report):
                print(f"drift: {path.relative_to(ROOT)}")
                drift += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text(report), encoding="utf-8")
    if args.check:
        print("golden reports: " + ("up to date" if not drift else f"{drift} drifted; run tools/gen_golden_reports.py"))
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
