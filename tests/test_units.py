"""Reading sources is input's job (kpcheck/input/units.py): units, counting, and an audit that
expands its sources once, also with --register (its history comes from what pass 1 read)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import ROOT

from kpcheck.cli.main import main
from kpcheck.input import units as units_module
from kpcheck.input.units import count_submissions, plan_units, read_all

PAST = json.loads((ROOT / "fixtures" / "submissions" / "compliant-export.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("chunk", [1, 3, 500])
def test_the_count_is_what_reading_finds(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(units_module, "CHUNK_LINES", chunk)
    line = json.dumps(PAST)
    (tmp_path / "a.jsonl").write_bytes(f"{line}\n\n  \r\n{line}\r\n{line}\n\t\n{line}".encode())  # blank lines, CRLF, no last LF
    (tmp_path / "b.json").write_text(line, encoding="utf-8")
    (tmp_path / "c.yaml").write_text("not: [valid", encoding="utf-8")
    sources = [str(tmp_path), str(tmp_path / "missing.json")]
    read = list(read_all(sources))
    assert count_submissions(sources) == len(read) == 4 + 2 + 1
    assert sum(unit.count for unit in plan_units(sources, count=True)) == len(read)
    assert all(unit.count == 0 for unit in plan_units(sources))  # counted only when asked


def test_audit_with_a_register_expands_its_sources_once(tmp_path, monkeypatch):
    url, past = tmp_path / "register.sqlite", tmp_path / "past.json"
    past.write_text(json.dumps(PAST), encoding="utf-8")
    assert CliRunner().invoke(main, ["register", "import", "--register", str(url), str(past)]).exit_code == 0
    again = tmp_path / "batch"
    again.mkdir()
    (again / "again.json").write_text(json.dumps({**PAST, "id": "ALA-2025-0042"}), encoding="utf-8")
    expanded = []
    real = units_module.expand

    def counted(sources):
        expanded.append(list(sources))
        return real(expanded[-1])

    monkeypatch.setattr(units_module, "expand", counted)
    done = CliRunner().invoke(
        main, ["audit", "--register", str(url), "--engine", "python", "--jobs", "1", "--format", "json", "--fail-on", "never", str(again)]
    )
    assert done.exit_code == 0, done.output
    assert [v["rule"] for v in json.loads(done.stdout)["results"][0]["violations"]] == ["XREF-01"]
    assert expanded == [[str(again)]]  # pass 1 read it; the register's history came from what it read
