"""Issue 9: no input, file or fault takes a run down; each fault found has its test here."""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal

import pytest
from click.testing import CliRunner
from conftest import ENGINE_KINDS, base, kpcheck

from kpcheck.api import Checker
from kpcheck.batch.audit import audit
from kpcheck.batch.xref import MAX_PRICE, key_of
from kpcheck.cli.main import main
from kpcheck.cli.outputs import output_files
from kpcheck.engine import durable
from kpcheck.input.models import Submission
from kpcheck.input.reader import read_file
from kpcheck.rulebook.loader import RULES_DIR, collect_rulebook
from kpcheck.tooling.lint import lint

ALIAS_BOMB = (
    "\n".join(
        ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(9)]
    )
    + "\n"
)


def write(path, doc):
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def changed(**paths):
    doc = base()
    for dotted, value in paths.items():
        node = doc
        *head, last = dotted.split("__")
        for part in head:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[int(last) if last.isdigit() else last] = value
    return doc


def results_of(tmp_path, *args):
    report = tmp_path / "report.json"
    outcome = kpcheck(*args, "--format", f"json={report}")
    return outcome, json.loads(report.read_text())["results"]


# --- 1. no input can crash a run ------------------------------------------------------------

CRASHERS = {
    "damaged_on at the end of the calendar": (
        ".json",
        changed(duplicate={"original_number": "KZ000001", "damaged_on": "9999-12-31", "returned_on": "9999-12-31"}),
    ),
    "carats of 10^40": (".json", changed(certificate__lines__0__carats=10**40)),
    "unknown YAML tag": (".yaml", "schema_version: !foo 1\nid: x\n"),
    "YAML binary": (".yaml", "id: !!binary aGVsbG8=\n"),
    "YAML set": (".yaml", "id: x\ncertificate: !!set {a, b}\n"),
    "YAML 300 deep": (".yaml", "id: x\nextensions: " + "[" * 300 + "]" * 300 + "\n"),
    "YAML 200 deep": (".yaml", "id: x\nextensions: " + "[" * 200 + "]" * 200 + "\n"),
    "YAML integer of 4,401 digits": (".yaml", "schema_version: " + "9" * 4401 + "\n"),
    "YAML alias bomb": (".yaml", ALIAS_BOMB),
}


@pytest.mark.parametrize("engine", ENGINE_KINDS)
@pytest.mark.parametrize("name", sorted(CRASHERS))
def test_a_crashing_input_is_one_error_and_the_run_goes_on(tmp_path, name, engine):
    suffix, doc = CRASHERS[name]
    bad, good = write(tmp_path / f"bad{suffix}", doc), write(tmp_path / "good.json", base())
    outcome, results = results_of(tmp_path, "check", "--engine", engine, bad, good)
    statuses = [r["status"] for r in results]
    if name == "damaged_on at the end of the calendar":  # a valid input: checked, not an error
        assert outcome.exit_code in (0, 1) and statuses[0] != "error"
    else:
        assert outcome.exit_code == 2
        assert statuses == ["error", "compliant"]
        assert results[0]["error"]["location"].startswith(str(bad))
        assert len(results[0]["error"]["message"]) < 400


def test_yaml_limits_are_located_and_named(tmp_path):
    (loaded,) = read_file(write(tmp_path / "d.yaml", "id: x\nextensions: " + "[" * 300 + "]" * 300 + "\n"))
    assert loaded.error.location == f"{tmp_path / 'd.yaml'}:2:76" and "64 levels" in loaded.error.message
    (loaded,) = read_file(write(tmp_path / "t.yaml", "id: x\nschema_version: !foo 1\n"))
    assert "!foo is not allowed" in loaded.error.message and loaded.error.location.endswith(":2:17")
    (loaded,) = read_file(write(tmp_path / "b.yaml", ALIAS_BOMB))
    assert "aliases" in loaded.error.message


def test_tiny_carats_in_an_audit(tmp_path):
    """1e-08 carats made the XREF US$/ct pass overflow (audit only)."""
    path = write(tmp_path / "tiny.json", changed(certificate__lines__0__carats=Decimal("1e-8") if False else 1e-08))
    outcome, results = results_of(tmp_path, "audit", "--jobs", "1", "--engine", "python", path)
    assert outcome.exit_code in (0, 1) and results[0]["status"] != "error"
    sub = Submission.model_validate_json(path.read_text())
    assert key_of(sub).prices[0][2] == MAX_PRICE


def amended_rules(tmp_path):
    """A copy of the shipped rulebook with a comment added: ``rules impact`` refuses a rulebook
    compared with itself."""
    copy = tmp_path / "amended-rules"
    shutil.copytree(RULES_DIR, copy)
    with (copy / "DUP" / "DUP-01.yaml").open("a", encoding="utf-8") as stream:
        stream.write("# amended\n")
    return copy


@pytest.mark.parametrize("command", [["stats"], ["rules", "impact", "--new", "{amended}", "--engine", "python"]])
def test_stats_and_impact_survive_the_same_inputs(tmp_path, command):
    if "{amended}" in command:
        amended = str(amended_rules(tmp_path))
        command = [c.replace("{amended}", amended) for c in command]
    for i, name in enumerate(sorted(CRASHERS)):
        suffix, doc = CRASHERS[name]
        write(tmp_path / f"in{i}{suffix}", doc)
    outcome = kpcheck(*command, tmp_path)
    assert outcome.exit_code == 2, outcome.output  # the exit-code contract: unreadable inputs, reported
    assert "Traceback" not in outcome.output


def test_an_internal_error_is_reported_as_such_never_exit_1(tmp_path, monkeypatch):
    from kpcheck.engine import Engine

    def broken(self, *args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(Engine, "_evaluate", broken)
    outcome, results = results_of(tmp_path, "check", "--engine", "python", write(tmp_path / "a.json", base()))
    assert outcome.exit_code == 2
    assert results[0]["status"] == "error" and "internal error" in results[0]["error"]["message"]
    assert "ZeroDivisionError" in results[0]["error"]["message"]


# --- 3. rich markup ---------------------------------------------------------------------------


def test_markup_in_values_and_file_names_is_printed_as_given(tmp_path):
    closing = write(tmp_path / "closing.json", changed(direction="[/]"))
    link = write(tmp_path / "link.json", changed(direction="[link=https://example.org]click[/link]"))
    named = write(tmp_path / "[bold red]x.json", changed(direction="sideways"))
    outcome = kpcheck("check", "--engine", "python", closing, link, named)
    assert outcome.exit_code == 2
    assert "'[/]'" in outcome.stderr
    assert "[link=https://example.org]click[/link]" in outcome.stderr
    assert "[bold red]x.json" in outcome.stderr and "[bold red]x.json" in outcome.stdout


def test_folder_with_a_bracket_and_an_unreadable_file(tmp_path, monkeypatch):
    folder = tmp_path / "x["
    folder.mkdir()
    write(folder / "a.json", base())
    real = type(folder).open  # files are opened and read within the size limit (issue 25)

    def unreadable(self, *args, **kwargs):
        if self.name == "a.json":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(folder), "open", unreadable)
    outcome = kpcheck("audit", "--jobs", "1", "--engine", "python", folder)
    assert outcome.exit_code == 2
    assert f"{folder / 'a.json'}: cannot read the file" in outcome.stderr


# --- 4 (atomic reports), 6, 7: outputs --------------------------------------------------------


def test_a_report_over_its_own_input_is_refused(tmp_path):
    path = write(tmp_path / "x.json", base())
    before = path.read_text()
    outcome = kpcheck("check", "--format", f"json={path}", path)
    assert outcome.exit_code == 2 and "over an input" in outcome.stderr
    assert path.read_text() == before


def test_two_formats_to_one_file_are_refused(tmp_path):
    path = write(tmp_path / "x.json", base())
    outcome = kpcheck("audit", "--format", f"json={tmp_path / 'r'}", "--format", f"csv={tmp_path / 'r'}", path)
    assert outcome.exit_code == 2 and "both the json report and the csv report" in outcome.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_exit_2_with_a_message(tmp_path):
    outcome = kpcheck("check", "--format", "json=/dev/full", write(tmp_path / "x.json", base()))
    assert outcome.exit_code == 2 and "No space left on device" in outcome.stderr


@pytest.mark.parametrize("command", [["stats", "{sub}"], ["rules", "docs"], ["rules", "impact", "--new", "{amended}", "{sub}"]])
def test_output_into_a_missing_folder_is_exit_2(tmp_path, command):
    if "{amended}" in command:
        amended = str(amended_rules(tmp_path))
        command = [c.replace("{amended}", amended) for c in command]
    sub = write(tmp_path / "x.json", base())
    target = tmp_path / "missing" / "out.md"
    outcome = kpcheck(*[c.replace("{sub}", str(sub)) for c in command], "-o", target)
    assert outcome.exit_code == 2 and "cannot write" in outcome.stderr and "missing" in outcome.stderr


def test_an_interrupted_report_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with output_files([("json report", str(target))]) as (stream,):
            stream.write("half a rep")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_report_appears_only_complete(tmp_path):
    target = tmp_path / "report.json"
    with output_files([("json report", str(target))]) as (stream,):
        stream.write("{}")
        assert not target.exists()
    assert target.read_text() == "{}"


# --- 8. --against ---------------------------------------------------------------------------


def test_against_a_missing_path_is_refused(tmp_path):
    outcome = kpcheck("check", "--against", tmp_path / "nowhere", write(tmp_path / "x.json", base()))
    assert outcome.exit_code == 2 and "--against" in outcome.stderr and "nothing was checked" in outcome.stderr


def test_against_an_unreadable_file_is_refused(tmp_path, monkeypatch):
    history = tmp_path / "history"
    history.mkdir()
    past = write(history / "old.json", base())
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(past) else real(p, mode))
    outcome = kpcheck("check", "--against", history, write(tmp_path / "x.json", base()))
    assert outcome.exit_code == 2 and "cannot be read" in outcome.stderr


# --- 10. values in messages -----------------------------------------------------------------


def test_a_megabyte_value_is_cut_in_the_message(tmp_path):
    path = write(tmp_path / "big.json", changed(direction="x" * 1_000_000))
    outcome, results = results_of(tmp_path, "check", "--engine", "python", path)
    assert outcome.exit_code == 2
    assert len(results[0]["error"]["message"]) < 300 and "1,000,002 characters" in results[0]["error"]["message"]
    assert len(outcome.stderr) < 2000


# --- 11. lint misses ------------------------------------------------------------------------


def _copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def _lint_codes(folder):
    return {(str(p.location).replace(str(folder), "R"), p.code) for p in lint(folder)}


def test_lint_binary_title_and_unknown_manifest_key(tmp_path):
    folder = _copy(tmp_path)
    rule = folder / "COND" / "COND-01.yaml"
    rule.write_text(rule.read_text().replace("title: ", "title: !!binary aGVsbG8= #", 1))
    manifest = (folder / "rulebook.yaml").read_text()
    (folder / "rulebook.yaml").write_text(manifest + "verison: 2\n")
    problems = [p for p in lint(folder) if p.level.value == "error"]
    where = {p.code: str(p.location) for p in problems}
    assert where["RUL001"].startswith(f"{rule}:") and where["RUL001"].count(":") == 2
    assert where["RUL004"] == f"{folder / 'rulebook.yaml'}:{manifest.count(chr(10)) + 1}:1"
    assert any("did you mean 'version'" in p.message for p in problems)


@pytest.mark.parametrize("days", ['"five"', "1e400", "-1", "2.5"])
def test_lint_refuses_mistyped_params(tmp_path, days):
    folder = _copy(tmp_path)
    rule = folder / "DUP" / "DUP-01.yaml"
    rule.write_text(rule.read_text().replace("  days: 5", f"  days: {days}"))
    problems = [p for p in lint(folder) if p.code == "RUL016"]
    assert problems and "whole number from 0 to 10,000" in problems[0].message
    _book, errors = collect_rulebook(folder)
    assert any(e.code == "RUL016" for e in errors)


def test_lint_warns_of_an_unused_param(tmp_path):
    folder = _copy(tmp_path)
    rule = folder / "DUP" / "DUP-01.yaml"
    rule.write_text(rule.read_text().replace("  days: 5", "  days: 5\n  grace: 2"))
    assert any(p.code == "LNT207" and "'grace'" in p.message for p in lint(folder))


def test_not_500_deep_is_an_error_in_lint_and_check(tmp_path):
    folder = _copy(tmp_path)
    rule = folder / "COND" / "COND-01.yaml"
    deep = "{equals: [direction, export]}"
    for _ in range(500):
        deep = "{not: " + deep + "}"
    text = rule.read_text()
    rule.write_text(text[: text.index("condition:")] + f"condition: {deep}\n" + text[text.index("message:") :])
    assert any(code == "RUL001" for _, code in _lint_codes(folder))
    outcome = kpcheck("check", "--rules", folder, "--engine", "python", write(tmp_path / "x.json", base()))
    assert outcome.exit_code == 2 and "levels deep" in outcome.stderr


@pytest.mark.parametrize(
    "content,where",
    [
        (b"id: COND-01\ntitle: a\x00b\n", ":2:9"),
        (b"id: COND-01\ntitle: caf\xe9\n", ":2:11"),
        (b"- a list\n", ":1:1"),
        (b"just text\n", ":1:1"),
    ],
)
def test_rule_file_problems_have_a_line(tmp_path, content, where):
    folder = _copy(tmp_path)
    (folder / "COND" / "COND-01.yaml").write_bytes(content)
    located = [str(p.location) for p in lint(folder) if "COND-01.yaml" in str(p.location)]
    assert located and all(loc.endswith(where) for loc in located), located


# --- 12. where durable_rules does not run ---------------------------------------------------


def test_engine_durable_unavailable_is_one_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(durable, "AVAILABLE", False)
    outcome = kpcheck("check", "--engine", "durable", write(tmp_path / "x.json", base()))
    assert outcome.exit_code == 2
    assert "not available on this Python" in outcome.stderr
    assert "does not load" not in outcome.stderr


def test_rules_test_says_it_ran_one_evaluator(monkeypatch):
    monkeypatch.setattr(durable, "AVAILABLE", False)
    outcome = kpcheck("rules", "test")
    assert outcome.exit_code == 0
    assert "Python evaluator only" in outcome.stderr


# --- 13. workers and the rulebook they run --------------------------------------------------


def test_ruleset_names_differ_across_processes():
    name = durable.ruleset_name()
    assert name.startswith(f"kpcheck{os.getpid()}n")
    assert durable.ruleset_name() != name


def test_audit_workers_use_the_rulebook_the_run_loaded(tmp_path):
    """Workers used to load the rule files again: a rulebook changed (or corrupted) after the
    run began gave them another rulebook, or error 102 at their start."""
    folder = _copy(tmp_path)
    doc = changed(certificate__condition__erasures=True)
    submissions = tmp_path / "subs"
    submissions.mkdir()
    for i in range(4):
        write(submissions / f"s{i}.json", {**doc, "id": f"S{i}"})
    checker = Checker.load(folder, engine="python")
    (folder / "COND" / "COND-01.yaml").write_text("garbage: [\n")  # the run has begun
    options = {"rules": folder, "registers": None, "engine": "python", "lang": "en"}
    results = list(audit([str(submissions)], options, jobs=2, checker=checker))
    assert [r.status for r in results] == ["invalid"] * 4
    assert all(any(f.rule == "COND-01" for f in r.findings) for r in results)


# --- found by the hostile-input harness -------------------------------------------------------


@pytest.mark.parametrize(
    "suffix,text,where",
    [
        (".json", '{"id": "x", "direction": "\\ud800"}', ": direction"),
        (".yaml", 'id: x\ndirection: "\\ud800"\n', ":2:12 (direction)"),
        (".jsonl", '{"id": "\\udfff"}\n', ":1: id"),
    ],
)
def test_an_unpaired_surrogate_is_an_input_error_not_a_crash(tmp_path, suffix, text, where):
    path = write(tmp_path / f"s{suffix}", text)
    outcome, results = results_of(tmp_path, "check", "--engine", "python", path)
    assert outcome.exit_code == 2
    assert results[0]["status"] == "error" and "surrogate" in results[0]["error"]["message"]
    assert results[0]["error"]["location"].endswith(where)
    outcome = kpcheck("check", "--engine", "python", path)  # the text report too
    assert outcome.exit_code == 2 and "surrogate" in outcome.stderr


def test_a_paired_surrogate_is_a_character(tmp_path):
    path = write(tmp_path / "p.json", json.dumps(changed(territorial_department="Алматы 😀"), ensure_ascii=True))
    outcome, results = results_of(tmp_path, "check", "--engine", "python", path)
    assert outcome.exit_code == 0 and results[0]["status"] == "compliant"


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_a_file_name_that_is_not_utf8(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / os.fsdecode(b"\xff\xfe.json")).write_text(json.dumps(base()))
    outcome, results = results_of(tmp_path, "check", "--engine", "python", folder)
    assert outcome.exit_code == 0 and results[0]["source"] == f"{folder}/\\xff\\xfe.json"


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_a_json_lines_file_name_that_is_not_utf8_in_an_audit(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / os.fsdecode(b"\xff.jsonl")).write_text(json.dumps(base()) + "\n")
    outcome, results = results_of(tmp_path, "audit", "--jobs", "1", "--engine", "python", folder)
    assert outcome.exit_code == 0 and results[0]["source"] == f"{folder}/\\xff.jsonl:1"


def test_a_failure_outside_any_submission_is_exit_2_not_a_traceback(tmp_path, monkeypatch):
    from kpcheck.report import json_report

    def broken(self, meta):
        raise RuntimeError("writer broke")

    monkeypatch.setattr(json_report.JsonWriter, "start", broken)
    outcome = CliRunner().invoke(main, ["check", "--format", "json", str(write(tmp_path / "a.json", base()))])
    assert outcome.exit_code == 2
    assert "stopped on an internal error (RuntimeError: writer broke)" in outcome.stderr


@pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules does not import here")
def test_a_passing_refusal_of_a_ruleset_is_tried_again(book, reference, monkeypatch):
    from kpcheck.engine import Engine

    real, calls = durable._engine.create_ruleset, []

    def flaky(name, definition):
        calls.append(name)
        if len(calls) == 1:
            raise Exception("Could not create ruleset, error code: 102")
        return real(name, definition)

    monkeypatch.setattr(durable._engine, "create_ruleset", flaky)
    engine = Engine(book, reference, "durable")
    assert len(calls) >= 2 and calls[0] != calls[1]
    assert engine.evaluate(Submission.model_validate_json(json.dumps(base()))).findings == []


@pytest.mark.skipif(not durable.AVAILABLE, reason="durable_rules does not import here")
def test_a_lasting_refusal_is_one_engine_error(book, reference, monkeypatch):
    from kpcheck.engine import Engine, EngineError

    def refuse(name, definition):
        raise Exception("Could not create ruleset, error code: 102")

    monkeypatch.setattr(durable._engine, "create_ruleset", refuse)
    with pytest.raises(EngineError, match="refused a ruleset 3 times"):
        Engine(book, reference, "durable")
