"""Audit worker processes: order, a lost worker, a failing task, signals, spools; one JSON Lines reader."""

from __future__ import annotations

import json
import os
import signal
import tempfile

import pytest
from click.testing import CliRunner
from conftest import base

from kpcheck.batch import audit as audit_module
from kpcheck.batch.workers import WorkerFailed, WorkerLost, WorkerPool
from kpcheck.cli.main import main
from kpcheck.input import units as units_module


def _square(n: int) -> int:
    return n * n


def _die_on_seven(n: int) -> int:
    if n == 7:
        os.kill(os.getpid(), signal.SIGKILL)
    return n


def _fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError("three is not allowed")
    return n


def test_results_come_back_in_task_order():
    with WorkerPool(2, _square, window=3) as pool:
        assert list(pool.map(range(200))) == [n * n for n in range(200)]


def test_a_killed_worker_is_detected_and_named():
    pool = WorkerPool(2, _die_on_seven, describe=lambda n: f"task {n}")
    with pytest.raises(WorkerLost, match=r"killed by signal 9 while checking task 7"):
        with pool:
            list(pool.map(range(20)))
    assert not any(w.process.is_alive() for w in pool.workers)


def test_an_exception_in_a_task_comes_back():
    pool = WorkerPool(2, _fail_on_three, describe=lambda n: f"task {n}")
    with pytest.raises(WorkerFailed, match="task 3: ValueError: three is not allowed"):
        with pool:
            list(pool.map(range(10)))
    assert not any(w.process.is_alive() for w in pool.workers)


@pytest.fixture()
def many(tmp_path):
    """A JSON Lines file of several units (CHUNK_LINES each) and a private temporary folder."""
    line = json.dumps(base())
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(line.replace('"id": "', f'"id": "{i}-', 1) for i in range(60)) + "\n")
    spools = tmp_path / "tmp"
    spools.mkdir()
    return path, spools


def _run_audit(monkeypatch, many, work):
    path, spools = many
    monkeypatch.setattr(units_module, "CHUNK_LINES", 10)
    monkeypatch.setattr(audit_module, "_work", work)
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    return CliRunner().invoke(main, ["audit", str(path), "--jobs", "2", "--engine", "python", "--format", "json", "--fail-on", "never"])


def _killing_work(task):
    unit = task[0]
    if unit.first_line == 31:
        os.kill(os.getpid(), signal.SIGKILL)
    return audit_module.spool_unit(audit_module._worker, *task)


def _signalling_work(signum):
    def work(task):
        unit = task[0]
        if unit.first_line > 20:
            os.kill(os.getppid(), signum)
        return audit_module.spool_unit(audit_module._worker, *task)

    return work


def test_audit_with_a_killed_worker_stops_with_exit_2_and_leaves_no_spool(monkeypatch, many):
    result = _run_audit(monkeypatch, many, _killing_work)
    assert result.exit_code == 2
    assert "was killed by signal 9 while checking" in result.stderr
    assert "many.jsonl from line 31" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(many[1].iterdir()) == []


@pytest.mark.parametrize("signum,name", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")])
def test_sigterm_and_ctrl_c_stop_the_audit_cleanly(monkeypatch, many, signum, name):
    result = _run_audit(monkeypatch, many, _signalling_work(signum))
    assert result.exit_code == 2
    assert f"the audit was interrupted ({name})" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(many[1].iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_the_audit_without_faults_cleans_up_too(monkeypatch, many):
    result = _run_audit(monkeypatch, many, audit_module._work)
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["results"]) == 60
    assert list(many[1].iterdir()) == []


def _sources(args):
    result = CliRunner().invoke(main, [*args, "--engine", "python", "--format", "json", "--fail-on", "never"])
    return [(r["source"], r["status"], (r.get("error") or {}).get("location")) for r in json.loads(result.stdout)["results"]]


def test_check_and_audit_read_json_lines_the_same_way(tmp_path):
    good = json.dumps(base())
    lone_cr = good[:-1] + ', "x": 1}\r' + good  # one line with a lone CR inside: one entry
    unterminated = '{"id": "AB'  # an unterminated string
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(("\n".join([good, lone_cr, unterminated, "", good]) + "\r\n").encode())
    checked = _sources(["check", str(path)])
    audited = _sources(["audit", str(path), "--jobs", "1"])
    assert checked == audited
    assert [s for s, _, _ in checked] == [f"{path}:{n}" for n in (1, 2, 3, 5)]
    assert checked[1][1] == "error" and checked[2][1] == "error"
    assert checked[2][2] == f"{path}:3:8"  # where the unterminated string starts
    assert checked[3][1] != "error"  # the CRLF of the last line is a line ending


def test_the_collector_is_restored_after_overlapping_batches_end_in_any_order():
    """``rules impact`` runs two audits side by side; whichever ends first, the collector's
    settings come back only when the last one ends, and as they were before the first."""
    import gc

    from kpcheck.batch.workers import YOUNG_COLLECTION, batch_collections

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    first, second = batch_collections(), batch_collections()
    first.__enter__()
    second.__enter__()
    assert gc.get_threshold()[0] == YOUNG_COLLECTION
    first.__exit__(None, None, None)  # the first to start ends first
    assert gc.get_threshold()[0] == YOUNG_COLLECTION
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen


def test_forked_workers_inherit_everything_frozen_also_inside_a_batch():
    """What the main process made after a batch froze the collector (pass 2's index) is
    frozen too in the workers forked then: their collections leave it alone."""
    import gc

    from kpcheck.batch.workers import WorkerPool, batch_collections, can_fork

    if not can_fork():
        pytest.skip("no fork here")
    with batch_collections():
        frozen = gc.get_freeze_count()
        made_since = [[n] for n in range(1000)]  # noqa: F841 - tracked containers made after the freeze
        with WorkerPool(1, _frozen_count) as pool:
            (in_worker,) = list(pool.map([0]))
        assert in_worker >= frozen + 900  # (a few frozen objects may have been freed since)
        assert gc.get_freeze_count() >= frozen + 900  # left frozen here until the batch ends


def _frozen_count(_: object) -> int:
    import gc

    return gc.get_freeze_count()
