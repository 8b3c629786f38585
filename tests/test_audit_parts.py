"""An audit in parts: pass 2 in forked workers, each unit's report text rendered there, the parts
merged in input order; byte for byte the reports of the result-by-result path."""

from __future__ import annotations

import io
import json
import os
import signal
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpcheck.api import Checker
from kpcheck.batch import audit as audit_module
from kpcheck.cli.emit import emit
from kpcheck.cli.main import main
from kpcheck.input import units as units_module
from kpcheck.report.csv_report import CsvWriter
from kpcheck.report.json_report import JsonWriter

ROOT = Path(__file__).resolve().parents[1]
UNIT = 37  # lines per unit in these tests: many units, none aligned with anything


def _generate():
    from tools.generate import generate

    return generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """1,200 generated submissions (20% with defects: XREF-01 and XREF-03 among them), two
    duplicate requests (one of an audited original, one of an unknown one) and two lines that
    cannot be read, in the middle of different units."""
    docs = [json.dumps(doc) for doc in _generate()(1200, 0.2, 23)]
    known = json.loads(docs[10])
    exports = [i for i, text in enumerate(docs) if json.loads(text)["direction"] == "export"]
    for start, original in ((500, known["certificate"]["number"]), (900, "KZ-NOWHERE-1")):
        i = next(i for i in exports if i >= start)
        dup = json.loads(docs[i])
        dup["duplicate"] = {"original_number": original, "damaged_on": dup["presented_on"], "returned_on": dup["presented_on"]}
        docs[i] = json.dumps(dup)
    docs[100] = "{not json"
    docs[777] = '{"id": "X-1"}'
    path = tmp_path_factory.mktemp("parts") / "batch.jsonl"
    path.write_text("\n".join(docs) + "\n")
    return path


@pytest.fixture()
def small_units(monkeypatch):
    monkeypatch.setattr(units_module, "CHUNK_LINES", UNIT)


def _audit(*args):
    return CliRunner().invoke(main, ["audit", *map(str, args), "--engine", "python"], catch_exceptions=False)


def _one_by_one(path, fmt, **options):
    """The report as the result-by-result path writes it: every result to the writer's ``add``."""
    checker = Checker.load(engine="python")
    stream = io.StringIO()
    writer = {"json": JsonWriter, "csv": CsvWriter}[fmt](stream, {"compact": True, "lang": "en", **options})
    none = {"register": None, "waivers": None, "rules": None, "reference": None, "settings": {}}
    meta = {**checker.meta(), "provenance": none}  # as the command names what changed the findings
    code = emit(audit_module.audit([str(path)], {"engine": "python"}, 1, checker=checker), [writer], meta, "never")
    return code, stream.getvalue()


def test_reports_in_parts_are_byte_for_byte_those_of_one_result_at_a_time(generated, small_units, tmp_path):
    code, json_expected = _one_by_one(generated, "json")
    _, csv_expected = _one_by_one(generated, "csv")
    rules = {v["rule"] for r in json.loads(json_expected)["results"] for v in r["violations"]}
    assert {"XREF-01", "XREF-02", "XREF-03"} <= rules  # the batch exercises every check across
    assert code == 2
    for jobs in (1, 2):
        result = _audit(
            generated,
            "--jobs",
            jobs,
            "--fail-on",
            "never",
            "--format",
            f"json={tmp_path / 'r.json'}",
            "--format",
            f"csv={tmp_path / 'r.csv'}",
        )
        assert result.exit_code == 2
        assert (tmp_path / "r.json").read_text() == json_expected
        assert (tmp_path / "r.csv").read_text() == csv_expected


def test_parts_keep_input_order_and_every_error_in_it(generated, small_units):
    result = _audit(generated, "--jobs", 2, "--fail-on", "never", "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert [r["source"] for r in report["results"]] == [f"{generated}:{n}" for n in range(1, 1201)]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and ":101:" in errors[0] and ":778" in errors[1]
    assert report["summary"]["error"] == 2 and report["summary"]["submissions"] == 1200


def test_the_exit_code_comes_from_every_part(generated, small_units, tmp_path):
    lines = generated.read_text().splitlines()
    statuses = [r["status"] for r in json.loads(_one_by_one(generated, "json")[1])["results"]]
    compliant = [line for line, status in zip(lines, statuses) if status == "compliant"][:150]
    invalid = next(line for line, status in zip(lines, statuses) if status == "invalid")
    path = tmp_path / "late.jsonl"
    for tail, fail_on, code in (([], "invalid", 0), ([invalid], "never", 0), ([invalid], "invalid", 1), ([invalid, "{"], "invalid", 2)):
        path.write_text("\n".join(compliant + tail) + "\n")  # what decides is in the last part
        assert _audit(path, "--jobs", 2, "--fail-on", fail_on, "--format", "json").exit_code == code


def test_waivers_in_parts_warn_in_input_order_as_one_at_a_time(generated, small_units, tmp_path):
    report = json.loads(_one_by_one(generated, "json")[1])
    hits = [(r["submission"], v["rule"]) for r in report["results"] for v in r["violations"] if v["severity"] != "invalid"]
    chosen = [hits[0], hits[len(hits) // 2], hits[-1]]
    waivers = tmp_path / "waivers.yaml"
    entries = [
        {
            "submission": sub,
            "rule": rule,
            "reason": "Test.",
            "granted_by": "Order 1",
            "expires_on": "2001-01-01" if i == 1 else "2099-01-01",
        }
        for i, (sub, rule) in enumerate(chosen)
    ]
    entries.append({"submission": "NOBODY-1", "rule": "DUP-01", "reason": "Test.", "granted_by": "Order 2", "expires_on": "2099-01-01"})
    waivers.write_text(json.dumps({"waivers": entries}))
    runs, pages = [], []
    for jobs in (1, 2):
        runs.append(
            _audit(
                generated,
                "--jobs",
                jobs,
                "--fail-on",
                "never",
                "--waivers",
                waivers,
                "--format",
                "json",
                "--format",
                f"html={tmp_path / 'r.html'}",
            )
        )
        pages.append((tmp_path / "r.html").read_text())
    assert runs[0].stdout == runs[1].stdout and runs[0].stderr == runs[1].stderr and pages[0] == pages[1]
    waived = [(r["submission"], v["rule"]) for r in json.loads(runs[1].stdout)["results"] for v in r["violations"] if "waived" in v]
    assert waived == [chosen[0], chosen[2]]
    said = [line for line in runs[1].stderr.splitlines() if line.startswith(("warning:", "error:")) and "EXAMPLE" not in line]
    assert [s.split()[0] for s in said] == ["error:", "warning:", "error:", "warning:"]
    assert "expired on 2001-01-01" in said[1] and "matches no finding" in said[3]


def _kill_in_pass_two(unit):
    if unit.what.endswith("from line 149"):
        os.kill(os.getpid(), signal.SIGKILL)
    return audit_module.finish_unit(unit)


def _fail_in_pass_two(unit):
    if unit.what.endswith("from line 75"):
        raise RuntimeError("the disk went away")
    return audit_module.finish_unit(unit)


@pytest.mark.parametrize(
    "work,said", [(_kill_in_pass_two, "was killed by signal 9 while checking"), (_fail_in_pass_two, "RuntimeError: the disk went away")]
)
def test_a_lost_or_failing_pass_two_worker_stops_the_audit_like_one_of_pass_one(generated, small_units, monkeypatch, tmp_path, work, said):
    monkeypatch.setattr(audit_module, "_work_two", work)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = _audit(generated, "--jobs", 2, "--fail-on", "never", "--format", f"json={tmp_path / 'r.json'}")
    assert result.exit_code == 2
    assert said in result.stderr and "across submissions" in result.stderr
    assert "the audit was stopped and its report is incomplete" in result.stderr
    assert ("Traceback" in result.stderr) == (work is _fail_in_pass_two)  # a bug's trace is kept, as in pass 1
    assert list(tmp_path.iterdir()) == []  # no spool, no report


def test_a_json_part_is_what_add_writes_result_by_result():
    checker = Checker.load(engine="python")
    results = [checker.check_data(json.dumps(doc)) for doc in _generate()(30, 0.5, 3)]
    for make in (JsonWriter, CsvWriter):
        one, parts = io.StringIO(), io.StringIO()
        a, b = make(one, {"compact": True}), make(parts, {"compact": True})
        for w in (a, b):
            w.start({"kpcheck": "x"})
        for result in results:
            a.add(result)
        for chunk in (results[:0], results[:7], results[7:8], results[8:]):
            b.add_rendered(b.render(chunk), len(chunk))
        for w in (a, b):
            w.finish({"submissions": 30})
        assert parts.getvalue() == one.getvalue()


def test_without_fork_pass_two_runs_in_the_main_process(generated, small_units, monkeypatch, tmp_path):
    """Spawned workers would not have the index: pass 2 then runs where it is, same report."""
    expected = _audit(generated, "--jobs", 1, "--fail-on", "never", "--format", "json").stdout

    def never(unit):
        raise AssertionError("no pass-2 worker without fork")

    monkeypatch.setattr(audit_module, "can_fork", lambda: False)
    monkeypatch.setattr(audit_module, "_work_two", never)
    assert _audit(generated, "--jobs", 2, "--fail-on", "never", "--format", "json").stdout == expected


@pytest.mark.parametrize("signum,name", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")])
def test_sigterm_and_ctrl_c_in_pass_two_stop_the_audit_cleanly(generated, small_units, monkeypatch, tmp_path, signum, name):
    def work(unit):
        if unit.what.endswith("from line 371"):
            os.kill(os.getppid(), signum)
        return audit_module.finish_unit(unit)

    monkeypatch.setattr(audit_module, "_work_two", work)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = _audit(generated, "--jobs", 2, "--fail-on", "never", "--format", f"json={tmp_path / 'r.json'}")
    assert result.exit_code == 2
    assert f"the audit was interrupted ({name})" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def _frozen(_task):
    import gc

    return gc.get_freeze_count()


def test_forked_workers_start_with_the_inherited_objects_frozen_for_the_collector():
    """Fewer copy-on-write pages: the workers' garbage collections skip what they inherited."""
    import gc

    from kpcheck.batch.workers import WorkerPool, can_fork

    if not can_fork():
        pytest.skip("no fork on this system")
    with WorkerPool(2, _frozen) as pool:
        counts = list(pool.map(range(4)))
    assert all(count > 1000 for count in counts)
    assert gc.get_freeze_count() == 0


def test_two_audits_side_by_side_keep_their_own_second_pass(generated, small_units, tmp_path):
    """``rules impact`` runs two audits in lockstep: each keeps its own index and XREF rules."""
    lines = generated.read_text().splitlines()
    other = tmp_path / "other.jsonl"
    other.write_text("\n".join(lines[:300] + lines[:300]) + "\n")  # every number used twice
    checker = Checker.load(engine="python")

    def outcomes(results):
        return [(r.source.rsplit(":", 1)[1], r.status, [f.rule for f in r.findings]) for r in results]

    alone = [outcomes(audit_module.audit([str(path)], {}, 1, checker=checker)) for path in (generated, other)]
    together = list(
        zip(*zip(audit_module.audit([str(generated)], {}, 1, checker=checker), audit_module.audit([str(other)], {}, 1, checker=checker)))
    )
    assert [outcomes(side) for side in together] == [alone[0][:600], alone[1]]
