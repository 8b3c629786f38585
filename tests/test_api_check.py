"""Checker.check: in-memory submissions with a history and waivers, the library's one way."""

from __future__ import annotations

import contextlib
import io
import json
import re
import textwrap

import pytest
from conftest import ROOT

from kpcheck.api import Checker
from kpcheck.batch.xref import key_of
from kpcheck.input.reader import parse_data
from kpcheck.problems import Level
from kpcheck.waivers import WaiverFileError

PAST = json.loads((ROOT / "fixtures" / "submissions" / "compliant-export.json").read_text(encoding="utf-8"))
AGAIN = {**PAST, "id": "ALA-2025-0001"}  # the same certificate number, submitted a second time


@pytest.fixture(scope="module")
def checker():
    return Checker.load(engine="python")


def test_the_readme_example_runs_and_prints_what_the_readme_says(monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## From Python: the library") :]
    code, shown = re.findall(r"```(?:python|text)\n(.*?)```", section, re.S)[:2]
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == shown


def test_without_a_history_no_check_across_submissions(checker):
    (result,) = checker.check(AGAIN).results
    assert (result.source, result.status, result.findings) == ("<data>", "compliant", [])


@pytest.mark.parametrize("form", ["dict", "bytes", "text", "key", "path"])
def test_a_history_in_every_form_finds_the_reused_number(checker, form, tmp_path):
    past = {
        "dict": PAST,
        "bytes": json.dumps(PAST).encode(),
        "text": json.dumps(PAST),
        "key": key_of(parse_data(PAST, "p").submission),
        "path": tmp_path,
    }[form]
    (tmp_path / "old.json").write_text(json.dumps(PAST), encoding="utf-8")
    (result,) = checker.check(AGAIN, history=[past]).results
    assert result.status == "non_compliant" and [f.rule for f in result.findings] == ["XREF-01"]


def test_an_empty_history_checks_the_submissions_against_each_other(checker):
    first, second = checker.check(PAST, AGAIN, history=[]).results
    assert (first.source, second.source) == ("<data:1>", "<data:2>")
    assert [f.rule for f in first.findings] == [f.rule for f in second.findings] == ["XREF-01"]
    assert [r.status for r in checker.check(PAST, AGAIN).results] == ["compliant", "compliant"]


def test_yaml_text_an_unreadable_submission_and_the_language(checker):
    yaml_text = "\n".join(f"{k}: {json.dumps(v)}" for k, v in AGAIN.items())
    (result,) = checker.check(yaml_text, kind="yaml", history=[PAST], lang="ru").results
    assert [f.rule for f in result.findings] == ["XREF-01"]
    assert re.search("[а-яА-Я]", result.findings[0].title)
    (english,) = checker.check(AGAIN, history=[PAST]).results
    assert english.findings[0].title != result.findings[0].title and checker.lang == "en" and not hasattr(checker.engine, "lang")
    (broken,) = checker.check(b"{not json").results
    assert broken.status == "error" and broken.error is not None


def test_waivers_apply_and_their_warnings_are_returned(checker, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(
        textwrap.dedent("""\
        waivers:
          - submission: ALA-2025-0001
            rule: XREF-01
            reason: The first shipment was cancelled.
            granted_by: Order No 1
            expires_on: 2099-12-31
          - certificate: KZ999999
            rule: DUP-01
            reason: r
            granted_by: g
            expires_on: 2099-12-31
    """),
        encoding="utf-8",
    )
    checked = checker.check(AGAIN, history=[PAST], waivers=path)
    (result,) = checked.results
    assert result.status == "compliant" and result.findings[0].waived is not None
    (warning,) = checked.warnings
    assert (warning.code, warning.rule, warning.level, warning.location) == ("WAI005", "DUP-01", Level.WARNING, f"{path}:7")
    with pytest.raises(WaiverFileError):
        checker.check(AGAIN, waivers=tmp_path / "absent.yaml")


def test_meta_names_the_waiver_file_by_its_hash(checker, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("waivers: []\n", encoding="utf-8")
    assert "waivers" not in checker.meta()
    assert len(checker.meta(path)["waivers"]["sha256"]) == 64


def test_untranslated_rules(checker):
    assert checker.untranslated("en") == []
    missing = {r.id for r in checker.book.active() if "kk" not in r.spec.translations}
    assert set(checker.untranslated("kk")) == missing


def test_the_rules_a_history_runs_are_marked_in_their_rule_files(checker, tmp_path):
    """``needs: history`` (XREF-01/02) decides what a check with a history runs, not a list in code."""
    import shutil

    from kpcheck.rulebook.loader import RULES_DIR

    assert checker.book.history_rules() == {"XREF-01", "XREF-02"}
    assert [r.id for r in checker.book.calling("xref_price_outliers")] == ["XREF-03"]
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    xref01 = rules / "XREF" / "XREF-01.yaml"
    xref01.write_text(xref01.read_text(encoding="utf-8").replace("needs: history", "needs: batch", 1), encoding="utf-8")
    amended = Checker.load(rules, engine="python")
    assert amended.book.history_rules() == {"XREF-02"}
    (result,) = amended.check(AGAIN, history=[PAST]).results
    assert result.status == "compliant" and result.findings == []


def test_needs_is_refused_on_a_rule_of_one_submission(tmp_path):
    import shutil

    from kpcheck.rulebook.loader import RULES_DIR, collect_rulebook

    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    dup = rules / "DUP" / "DUP-01.yaml"
    text = dup.read_text(encoding="utf-8")
    dup.write_text(text.replace("status: active\n", "status: active\nneeds: history\n", 1), encoding="utf-8")
    _book, errors = collect_rulebook(rules)
    (error,) = errors
    assert error.code == "RUL002" and "'needs' is given only with 'scope: batch'" in error.message
    assert str(error.location).startswith(str(dup))


def test_a_desk_check_against_a_sqlite_register_reads_it_without_sqlalchemy(tmp_path):
    """check --register FILE (no --record): the plain SQLite register is read by kpcheck.register.quick,
    with the findings the full way gives."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from kpcheck.cli.main import main

    path = tmp_path / "register.sqlite"
    (tmp_path / "past.json").write_text(json.dumps(PAST), encoding="utf-8")
    assert CliRunner().invoke(main, ["register", "import", "--register", str(path), str(tmp_path / "past.json")]).exit_code == 0
    (tmp_path / "again.json").write_text(json.dumps(AGAIN), encoding="utf-8")
    code = textwrap.dedent(f"""
        import sys
        from kpcheck.api import Checker
        from kpcheck.checking import InRegister, Steps, run
        from kpcheck.input.reader import read_sources
        checker = Checker.load(engine="python")
        across = InRegister(read_sources([{str(tmp_path / "again.json")!r}]), {str(path)!r}, {{}})
        ((result,),) = (chunk.results for chunk in run(Steps(checker, "en"), across))
        print(result.status, [f.rule for f in result.findings], "sqlalchemy" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "non_compliant ['XREF-01'] False"
