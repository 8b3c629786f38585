"""Quiet and noisy runs, and output that reads well in a pipe or a file."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import base, kpcheck

from kpcheck.cli import main as cli_main
from kpcheck.cli.main import main
from kpcheck.input.reader import parse_json
from kpcheck.report import make_writer
from tools import gen_format_goldens as gen

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "fixtures" / "submissions"
REGISTERS_WARNING = "using the shipped EXAMPLE registers"


# --- the audit's summary ------------------------------------------------------------------------


def test_audit_to_files_prints_a_summary(tmp_path):
    result = kpcheck("audit", str(SUBMISSIONS), "-j", "1", "--format", f"csv={tmp_path / 'f.csv'}")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"42 submissions · 2 compliant · 3 review · 29 non-compliant · 8 invalid", lines[0])
    assert lines[1] == "exit code 1: a finding at or above violation"
    assert lines[2] == f"reports: csv {tmp_path / 'f.csv'}"


def test_audit_json_on_stdout_puts_the_summary_on_stderr():
    result = kpcheck("audit", str(SUBMISSIONS), "-j", "1", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["submissions"] == 42
    assert result.stderr.rstrip().splitlines()[-2].startswith("42 submissions")


def test_audit_summary_in_russian(tmp_path):
    result = kpcheck("audit", str(SUBMISSIONS), "-j", "1", "--lang", "ru", "--format", f"csv={tmp_path / 'f.csv'}")
    assert result.stdout.splitlines()[0].startswith("42 заявки · 2 соответствует")


def test_quiet_prints_nothing_but_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = kpcheck("audit", str(SUBMISSIONS / "compliant-export.json"), "-j", "1", "-q", "--format", f"csv={tmp_path / 'f.csv'}")
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    result = kpcheck("audit", str(SUBMISSIONS / "compliant-export.json"), str(bad), "-j", "1", "--quiet")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and "bad.json" in result.stderr and "warning" not in result.stderr
    assert kpcheck("check", "-q", str(SUBMISSIONS / "cond-erasure-stains.json")).stdout == ""


COMMANDS = [
    ["check"],
    ["audit"],
    ["stats"],
    ["config"],
    ["rules"],
    ["rules", "list"],
    ["rules", "show"],
    ["rules", "test"],
    ["rules", "export"],
    ["rules", "lint"],
    ["rules", "docs"],
    ["rules", "impact"],
    ["register"],
    ["register", "import"],
    ["register", "show"],
    ["register", "export"],
    [],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "kpcheck")
def test_every_command_takes_quiet_and_verbose(command):
    result = kpcheck(*command, "--help")
    assert result.exit_code == 0
    assert "-q, --quiet" in result.stdout and "-v, --verbose" in result.stdout


def test_registers_warning_once_per_run_even_with_workers():
    done = subprocess.run(
        [sys.executable, "-c", "from kpcheck.cli.main import main; main()", "audit", str(SUBMISSIONS), "-j", "2", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.count(REGISTERS_WARNING) == 1, done.stderr


def test_no_registers_warning_beside_a_banner_on_the_terminal(monkeypatch):
    monkeypatch.setattr(cli_main.sys.stdout, "isatty", lambda: True, raising=False)
    assert cli_main.text_on_terminal([("text", None)])
    assert not cli_main.text_on_terminal([("json", None)]) and not cli_main.text_on_terminal([("text", "f.txt")])


# --- a long audit on a terminal ---------------------------------------------------------------


def failing_batch(n: int):
    _, failing, *_ = gen.sample_results()
    return [failing] * n


def test_the_audit_text_caps_what_it_lists():
    stream = io.StringIO()
    writer = make_writer("audit-text", stream, {"fail_on": "violation", "max_listed": 3, "width": 100})
    writer.start(gen.META)
    for result in failing_batch(10):
        writer.add(result)
    writer.finish({})
    text = stream.getvalue()
    assert text.count("INVALID  ALA-2024-0007") == 3
    assert "7 more not listed here: -v lists them all" in text
    assert text.index("Submissions per status") > text.index("7 more not listed")  # the summary comes last


def test_the_terminal_gets_the_cap_and_verbose_lifts_it(monkeypatch):
    checker = cli_main.Checker.load()
    monkeypatch.setattr(cli_main.sys.stdout, "isatty", lambda: True, raising=False)
    with main.make_context("kpcheck", ["audit", "x"]) as ctx, ctx:
        assert cli_main.audit_options(checker, "violation", "en", None, None)["max_listed"] == 50
        ctx.meta["kpcheck.verbosity"] = 1
        assert cli_main.audit_options(checker, "violation", "en", None, None)["max_listed"] is None
    monkeypatch.setattr(cli_main.sys.stdout, "isatty", lambda: False, raising=False)
    assert cli_main.audit_options(checker, "violation", "en", None, None)["max_listed"] is None


# --- piped output -------------------------------------------------------------------------------


def no_trailing_blanks(text: str) -> bool:
    return all(line == line.rstrip() for line in text.splitlines())


def test_text_report_has_no_trailing_blanks(tmp_path):
    result = kpcheck("check", str(SUBMISSIONS / "cond-erasure-stains.json"), "--format", f"text={tmp_path / 'r.txt'}")
    text = (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert result.exit_code == 1 and "Legal basis:" in text and no_trailing_blanks(text)


def test_rules_list_piped_splits_no_word():
    result = kpcheck("rules", "list")
    assert result.exit_code == 0 and no_trailing_blanks(result.stdout)
    cond01 = [line for line in result.stdout.splitlines() if line.strip().startswith("COND-01")]
    assert len(cond01) == 1 and "Certificate bears erasures" in cond01[0]


def test_rules_show_keeps_yaml_whole():
    result = kpcheck("rules", "show", "FORM-04")
    assert result.exit_code == 0
    assert "  with: {number: certificate.number, country: certificate.issuing_country, on: presented_on}" in result.stdout.splitlines()


def test_many_input_problems_read_well():
    doc = base()
    for key in ("schema_version", "direction", "presented_on", "certificate", "id", "territorial_department"):
        doc[key] = [1]
    loaded = parse_json(json.dumps(doc).encode(), "s.json")
    message = loaded.error.message
    assert "also and" not in message and re.search(r"\(and \d+ more problems?\)$", message), message


# --- lint -----------------------------------------------------------------------------------------


def test_lint_summarises_many_rule_warnings_in_one_line():
    result = kpcheck("rules", "lint")
    assert result.exit_code == 0
    lnt201 = [line for line in result.stdout.splitlines() if "[LNT201]" in line]
    assert len(lnt201) == 1 and "21 legal bases have a provision still to be confirmed" in lnt201[0]
    lnt205 = [line for line in result.stdout.splitlines() if "[LNT205]" in line]
    assert len(lnt205) == 1 and "47 translations are drafts" in lnt205[0] and "XREF-03" in lnt205[0]
    verbose = kpcheck("rules", "lint", "-v").stdout
    assert verbose.count("[LNT201]") == 21


def test_lint_ignore_and_select():
    assert "[LNT201]" not in kpcheck("rules", "lint", "--ignore", "LNT201").stdout
    assert "[LNT201]" not in kpcheck("rules", "lint", env={"KPCHECK_LINT_IGNORE": "LNT205,LNT201"}).stdout
    selected = kpcheck("rules", "lint", "--select", "LNT205").stdout.splitlines()
    assert len(selected) == 2 and "[LNT205]" in selected[0] and selected[1] == "0 errors, 1 warning"
    assert kpcheck("rules", "lint", "--select", "LNT2", "--ignore", "LNT20").stdout.strip() == "0 errors, 0 warnings"


def test_a_warning_given_once_is_said_once_per_run(capsys):
    from kpcheck.cli import console

    @main.command("twice-for-test")
    def twice() -> None:
        console.warning("said once", once="k")
        console.warning("said once", once="k")
        console.warning("said again")

    try:
        first, second = kpcheck("twice-for-test"), kpcheck("twice-for-test")
    finally:
        main.commands.pop("twice-for-test")
    assert first.stderr.count("said once") == 1 and second.stderr.count("said once") == 1
    assert "said again" in first.stderr


def test_lint_section_of_the_configuration_file(tmp_path, monkeypatch):
    (tmp_path / "kpcheck.toml").write_text('["rules lint"]\nignore = ["LNT201"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KPCHECK_CONFIG", raising=False)
    result = kpcheck("rules", "lint", "--rules", str(ROOT / "rules"))
    assert result.exit_code == 0 and "[LNT201]" not in result.stdout and "[LNT205]" in result.stdout
