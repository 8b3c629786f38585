"""``kpcheck rules impact --new DIR --register URL`` (issue 23, item 6): every decision recorded in a
register replayed under the amended rulebook; exactly those the amendment changes are listed; the
register is only read. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kpcheck.cli.main import main
from kpcheck.rulebook.loader import RULES_DIR
from kpcheck.tooling.register_impact import register_impact

BASE = json.loads((RULES_DIR / "bases" / "compliant-export.json").read_text(encoding="utf-8"))
# (damaged, returned, presented): returned on the 4th and 5th working day, in 2026 and in 2027
CASES = {
    "KZ005001": ("2026-06-01", "2026-06-05", "2026-06-20"),  # 4th working day of 2026: clean under 5 days
    "KZ005002": ("2026-12-21", "2026-12-28", "2027-01-11"),  # damaged in 2026, presented in 2027: still 5 days
    "KZ005003": ("2027-02-01", "2027-02-05", "2027-02-20"),  # 4th working day of 2027: late under 3 days
    "KZ005004": ("2027-03-01", "2027-03-03", "2027-03-20"),  # 2nd working day: clean either way
}


def amended(tmp_path: Path, days: str = "{2016-06-20: 5, 2027-01-01: 3}") -> Path:
    rules = tmp_path / "amended"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "DUP" / "DUP-01.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  days: 5\n", f"  days: {days}\n"), encoding="utf-8")
    return rules


def recorded_register(tmp_path: Path, url: str) -> str:
    files = []
    for number, (damaged, returned, presented) in CASES.items():
        doc = json.loads(json.dumps(BASE))
        doc.update(presented_on=presented)
        doc["id"] = f"SUB-{number}"
        doc["certificate"]["number"] = number
        doc["duplicate"] = {"original_number": "KZ000122", "damaged_on": damaged, "returned_on": returned}
        path = tmp_path / f"{number}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        files.append(str(path))
    # recorded by a process of its own, so that its connections are closed (and the file settled) when it ends
    command = [sys.executable, "-m", "kpcheck", "check", "--engine", "python", "--record", "--register", url, "--by", "A. Controller"]
    result = subprocess.run([*command, *files], capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    return url


def _digest(url: str) -> str | None:
    """The register file and its write-ahead log (None for a server's database); the ``-shm``
    index is SQLite's shared memory, which every reader maps, not data."""
    path = Path(url)
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    for part in sorted(p for p in path.parent.glob(path.name + "*") if not p.name.endswith("-shm")):
        digest.update(part.name.encode() + part.read_bytes())
    return digest.hexdigest()


def test_lists_exactly_the_decisions_the_dated_amendment_changes(tmp_path: Path, register_url: str) -> None:
    url = recorded_register(tmp_path, register_url)
    before = _digest(url)
    report = register_impact(None, amended(tmp_path), url, engine="python")
    assert report.decisions == 4 and report.unreadable == 0
    assert [c.certificate for c in report.changes] == ["KZ005003"]
    (change,) = report.changes
    assert change.added == ("DUP-01",) and change.removed == ()
    assert "DUP-01" not in change.findings_before and "DUP-01" in change.findings_after
    assert change.decided_by == "A. Controller" and change.command == "check"
    assert change.rulebook_before != change.rulebook_after == report.new["sha256"]
    assert report.periods["until 2026-12-31"] == {"decisions": 1}
    assert report.periods["from 2027-01-01"] == {"decisions": 3, "changed": 1}
    assert report.rules == {"DUP-01": {"added": 1, "removed": 0}}
    assert _digest(url) == before  # read only


def test_a_retroactive_correction_changes_the_earlier_decisions_too(tmp_path: Path, register_url: str) -> None:
    url = recorded_register(tmp_path, register_url)
    report = register_impact(None, amended(tmp_path, "3"), url, engine="python")
    assert [c.certificate for c in report.changes] == ["KZ005001", "KZ005002", "KZ005003"]
    assert report.cuts == ()


def test_cli_text_csv_html_and_russian(tmp_path: Path) -> None:
    url = recorded_register(tmp_path, str(tmp_path / "register.sqlite"))
    new = amended(tmp_path)
    runner = CliRunner()
    text = runner.invoke(main, ["rules", "impact", "--new", str(new), "--register", url, "--engine", "python"])
    assert text.exit_code == 0, text.output
    assert "4 decision(s) replayed" in text.stdout and "1 would change" in text.stdout
    assert "until 2026-12-31: 1 decision(s), 0 would change" in text.stdout
    assert "KZ005003 (export, 2027-02-20)" in text.stdout and "+DUP-01" in text.stdout and "A. Controller" in text.stdout
    out = tmp_path / "impact.csv"
    as_csv = runner.invoke(
        main, ["rules", "impact", "--new", str(new), "--register", url, "--engine", "python", "--format", "csv", "-o", str(out)]
    )
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["Certificate"] for r in rows] == ["KZ005003"]
    assert rows[0]["Decided by"] == "A. Controller" and "DUP-01" in rows[0]["Findings after the amendment"]
    assert (
        "DUP-01" not in rows[0]["Findings taken"] and rows[0]["Rulebook (SHA-256) of the decision"] != rows[0]["Amended rulebook (SHA-256)"]
    )
    page = runner.invoke(
        main, ["rules", "impact", "--new", str(new), "--register", url, "--engine", "python", "--format", "html", "--lang", "ru"]
    )
    assert page.exit_code == 0
    assert page.stdout.startswith("<!DOCTYPE html>") and 'lang="ru"' in page.stdout and "KZ005003" in page.stdout
    assert "Влияние поправки на реестр" in page.stdout and "Кем принято" in page.stdout
    as_json = runner.invoke(main, ["rules", "impact", "--new", str(new), "--register", url, "--engine", "python", "--format", "json"])
    assert [c["certificate"] for c in json.loads(as_json.stdout)["changes"]] == ["KZ005003"]


def test_a_read_only_register_file_is_read(tmp_path: Path) -> None:
    url = recorded_register(tmp_path, str(tmp_path / "register.sqlite"))
    Path(url).chmod(0o444)
    tmp_path.chmod(0o555)  # not even a journal can be made beside it
    try:
        report = register_impact(None, _amended_elsewhere(), url, engine="python")
    finally:
        tmp_path.chmod(0o755)
        Path(url).chmod(0o644)
    assert len(report.changes) == 3


_ELSEWHERE: list[Path] = []


def _amended_elsewhere() -> Path:
    import tempfile

    where = Path(tempfile.mkdtemp(prefix="kpcheck-amended-"))
    _ELSEWHERE.append(where)
    return amended(where, "3")


def test_errors_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["rules", "impact", "--new", str(amended(tmp_path)), "--register", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2 and "no register here" in missing.stderr
    assert not (tmp_path / "none.sqlite").exists()  # nothing created
    both = runner.invoke(main, ["rules", "impact", "--new", str(amended(tmp_path / "b")), "--register", "x.sqlite", "file.json"])
    assert both.exit_code == 2
    neither = runner.invoke(main, ["rules", "impact", "--new", str(tmp_path / "amended")])
    assert neither.exit_code == 2
    html_files = runner.invoke(main, ["rules", "impact", "--new", str(tmp_path / "amended"), "--format", "html", "file.json"])
    assert html_files.exit_code == 2 and "--register" in html_files.output
