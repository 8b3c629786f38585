"""``kpcheck rules export``: the shipped rulebook as a folder legal staff keep, checking as shipped."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, kpcheck

from kpcheck.rulebook.loader import RULES_DIR

SUBMISSIONS = ROOT / "fixtures" / "submissions"


def test_export_lints_clean_and_checks_exactly_as_shipped(tmp_path):
    target = tmp_path / "our-rules"
    result = kpcheck("rules", "export", target)
    assert result.exit_code == 0, result.output
    shipped = {p.relative_to(RULES_DIR) for p in RULES_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    copied = {p.relative_to(target) for p in target.rglob("*") if p.is_file()}
    assert copied == shipped | {Path("README.md")}
    assert {"reference", "bases"} <= {p.parts[0] for p in copied}
    readme = (target / "README.md").read_text(encoding="utf-8")
    assert f"kpcheck rules lint {target}" in readme and f"--rules {target}" in readme

    lint = kpcheck("rules", "lint", target)
    assert lint.exit_code == 0, lint.output
    assert lint.output.strip().splitlines()[-1].startswith("0 errors")

    as_shipped = kpcheck("check", "--format", "json", "--fail-on", "never", SUBMISSIONS)
    as_exported = kpcheck("check", "--format", "json", "--fail-on", "never", "--rules", target, SUBMISSIONS)
    assert as_shipped.exit_code == as_exported.exit_code == 0
    shipped_report, exported_report = json.loads(as_shipped.stdout), json.loads(as_exported.stdout)
    assert len(shipped_report["results"]) > 30
    assert exported_report.pop("provenance")["rules"] == str(target)  # the report names the rules it was made with
    shipped_report.pop("provenance")
    assert exported_report == shipped_report  # findings, statuses and the rulebook hash alike


def test_export_refuses_a_folder_that_is_not_empty(tmp_path):
    target = tmp_path / "kept"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    result = kpcheck("rules", "export", target)
    assert result.exit_code == 2
    assert "not empty" in result.output and "--force" in result.output
    assert not (target / "rulebook.yaml").exists()
    forced = kpcheck("rules", "export", "--force", target)
    assert forced.exit_code == 0, forced.output
    assert (target / "rulebook.yaml").is_file() and (target / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_export_into_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    result = kpcheck("rules", "export", target)
    assert result.exit_code == 2
