"""XREF-01's "same id, same content" in an audit: the content hash is made only for submissions
that share a number and an id with another (read again from their sources), and it is the
content that counts, not its spelling (key order, spacing, JSON or YAML)."""

from __future__ import annotations

import json

import pytest
from conftest import base

from kpcheck.api import Checker
from kpcheck.batch import audit as audit_module
from kpcheck.batch import xref
from kpcheck.input import units as units_module
from kpcheck.input.yamlio import dump_yaml


@pytest.fixture(scope="module")
def checker():
    return Checker.load(engine="python")


def _other(n: int) -> dict:
    doc = base()
    doc["id"] = f"OTHER-{n:03d}"
    doc["certificate"]["number"] = f"KZ9{n:05d}"
    return doc


def _respelled(doc: dict) -> str:
    """The same content spelled otherwise: keys in reverse order, spaces after separators."""

    def reverse(value):
        if isinstance(value, dict):
            return {k: reverse(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reverse(v) for v in value]
        return value

    return json.dumps(reverse(doc), indent=None, separators=(" , ", " : "))


def _xref_01(results) -> dict[str, str | None]:
    out = {}
    for result in results:
        found = [f.message for f in result.findings if f.rule == "XREF-01"]
        out[result.source] = found[0] if found else None
    return out


def _audit(checker, sources, jobs=1, **kw):
    return list(audit_module.audit([str(s) for s in sources], {"engine": "python"}, jobs, checker=checker, **kw))


@pytest.fixture()
def counted(monkeypatch):
    """How many content hashes the audit makes."""
    made = []
    real = xref.content_hash

    def count(sub):
        made.append(sub.id)
        return real(sub)

    monkeypatch.setattr(xref, "content_hash", count)
    monkeypatch.setattr(audit_module, "content_hash", count)
    return made


@pytest.mark.parametrize("jobs", [1, 2])
def test_same_id_respelled_is_one_submission_other_content_is_two(checker, tmp_path, monkeypatch, counted, jobs):
    monkeypatch.setattr(units_module, "CHUNK_LINES", 7)  # the pairs in different units
    original = base()
    changed = base()
    changed["presented_on"] = "2024-03-05"
    changed["state_control_act"]["number"] = "ASC-ALA-2024-0032"
    same_number = _other(1)
    same_number["certificate"]["number"] = "KZ-900-002"  # KZ900002, another id: a reuse
    lines = [json.dumps(original), *(json.dumps(_other(n)) for n in range(2, 20)), _respelled(original), json.dumps(same_number)]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    found = _xref_01(_audit(checker, [batch], jobs))
    assert found[f"{batch}:1"] is None and found[f"{batch}:20"] is None  # read twice: one submission
    assert found[f"{batch}:21"] is not None and found[f"{batch}:2"] is not None  # OTHER-001 and OTHER-002
    assert sorted(counted) == ["ALA-2024-0007", "ALA-2024-0007"]  # only the pair that shares an id

    counted.clear()
    (tmp_path / "later.yaml").write_text(dump_yaml(changed), encoding="utf-8")
    found = _xref_01(_audit(checker, [batch, tmp_path / "later.yaml"], jobs))
    for line in (1, 20):  # the one content read twice, beside the same id with other content
        assert "by 1 other" in found[f"{batch}:{line}"] and "ALA-2024-0007 (2024-03-05, " in found[f"{batch}:{line}"]
    assert "by 1 other" in found[str(tmp_path / "later.yaml")]  # the one content read twice counts once
    assert sorted(counted) == ["ALA-2024-0007"] * 3


def test_a_yaml_file_of_the_same_content_is_the_same_submission(checker, tmp_path, counted):
    (tmp_path / "a.json").write_text(json.dumps(base()), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(dump_yaml(base()), encoding="utf-8")
    assert set(_xref_01(_audit(checker, [tmp_path])).values()) == {None}
    assert len(counted) == 2


def test_an_audit_with_a_history_makes_every_content_hash(checker, tmp_path, counted):
    """The history's keys carry their content hash, compared with any key: pass 1 makes them all."""
    (tmp_path / "a.json").write_text(json.dumps(base()), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(_other(1)), encoding="utf-8")
    past = xref.key_of(checker_read(base()), "register#1")
    assert set(_xref_01(_audit(checker, [tmp_path], history=[past])).values()) == {None}
    assert len(counted) == 3  # the history's key and both submissions


def checker_read(doc):
    from kpcheck.input.reader import parse_data

    return parse_data(doc, "mem").submission


def test_a_source_changed_between_the_passes_stops_the_audit(checker, tmp_path):
    batch = tmp_path / "batch.jsonl"
    changed = base()
    changed["presented_on"] = "2024-03-05"
    batch.write_text(f"{json.dumps(base())}\n{json.dumps(changed)}\n")

    def rewrite(_count):  # pass 1 is over: the second line now holds another submission
        batch.write_text(f"{json.dumps(base())}\n{json.dumps(_other(1))}\n")

    with pytest.raises(audit_module.SourceChanged, match=r"batch\.jsonl:2 changed during the audit"):
        _audit(checker, [batch], progress=rewrite)
