"""Batch audits: statuses, XREF findings and counts, input order, one or two jobs; check --against."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import base

from kpcheck.cli.main import main


def doc(sub_id, number, **changes):
    d = base()
    d["id"] = sub_id
    d["certificate"]["number"] = number
    d["customs"]["documents"][0]["number"] = number
    for key, value in changes.items():
        d[key] = value
    return d


@pytest.fixture()
def batch(tmp_path):
    invalid = doc("B-2", "KZ100002")
    invalid["certificate"]["condition"]["stains"] = True
    original = doc("B-6", "KZ100006")
    duplicate = doc("B-7", "KZ100006", duplicate={"original_number": "KZ100006", "damaged_on": "2024-02-26", "returned_on": "2024-02-28"})
    lines = [
        json.dumps(doc("B-1", "KZ100001")),
        json.dumps(invalid),
        "{not json",
        json.dumps(doc("B-4", "KZ100004")),
        json.dumps(doc("B-5", "kz-100004")),
        json.dumps(original),
        json.dumps(duplicate),
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "c.json").write_text(json.dumps(doc("B-8", "KZ100008")))
    return tmp_path


def audit(*args):
    return CliRunner().invoke(main, ["audit", *map(str, args)], catch_exceptions=False)


@pytest.mark.parametrize("jobs", [1, 2])
def test_statuses_xref_and_order(batch, jobs):
    result = audit(batch, "--jobs", jobs, "--format", "json", "--engine", "python")
    assert result.exit_code == 2  # one unreadable line
    report = json.loads(result.stdout)
    rows = [
        (
            r["submission"],
            r["source"].replace(str(batch), ""),
            r["status"],
            [v["rule"] for v in r["violations"] if v["rule"].startswith("XREF")],
        )
        for r in report["results"]
    ]
    assert rows == [
        ("B-1", "/a.jsonl:1", "compliant", []),
        ("B-2", "/a.jsonl:2", "invalid", []),
        (None, "/a.jsonl:3", "error", []),
        ("B-4", "/a.jsonl:4", "non_compliant", ["XREF-01"]),
        ("B-5", "/a.jsonl:5", "non_compliant", ["XREF-01"]),
        ("B-6", "/a.jsonl:6", "compliant", []),
        ("B-7", "/a.jsonl:7", "compliant", []),
        ("B-8", "/b/c.json", "compliant", []),
    ]
    assert report["results"][2]["error"]["location"] == f"{batch}/a.jsonl:3:2"
    assert report["summary"] == {"submissions": 8, "compliant": 4, "review": 0, "non_compliant": 2, "invalid": 1, "error": 1}


def test_jobs_one_and_two_give_the_same_report(batch):
    one = audit(batch, "--jobs", 1, "--format", "json")
    two = audit(batch, "--jobs", 2, "--format", "json")
    assert one.stdout == two.stdout


def test_several_formats_at_once(batch, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = audit(
        batch,
        "--jobs",
        1,
        "--format",
        "text",
        "--format",
        f"json={out / 'r.json'}",
        "--format",
        f"csv={out / 'f.csv'}",
        "--format",
        f"junit={out / 'j.xml'}",
        "--format",
        f"html={out / 'r.html'}",
    )
    assert result.exit_code == 2
    assert json.loads((out / "r.json").read_text())["summary"]["submissions"] == 8
    assert "XREF-01" in (out / "f.csv").read_text()
    assert (out / "j.xml").read_text().count("<testcase") == 8
    assert "XREF-01" in (out / "r.html").read_text()
    assert "XREF-01" in result.stdout


def test_check_against_finds_a_reused_number(tmp_path):
    past = tmp_path / "past"
    past.mkdir()
    (past / "old.json").write_text(json.dumps(doc("OLD-1", "KZ555555")))
    new = tmp_path / "new.json"
    new.write_text(json.dumps(doc("NEW-1", "KZ 555-555")))
    result = CliRunner().invoke(main, ["check", "--against", str(past), "--format", "json", str(new)])
    assert result.exit_code == 1
    (res,) = json.loads(result.stdout)["results"]
    assert [v["rule"] for v in res["violations"]] == ["XREF-01"]
    alone = CliRunner().invoke(main, ["check", "--format", "json", str(new)])
    assert alone.exit_code == 0
