"""Reading submissions: shapes only, every problem named by place, nothing dropped."""

from __future__ import annotations

import json
from decimal import Decimal

from conftest import base

from kpcheck.input.reader import parse_json, read_sources


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def one(paths):
    (loaded,) = list(read_sources(paths))
    return loaded


def test_malformed_json_names_line_and_column(tmp_path):
    loaded = one([write(tmp_path / "bad.json", '{"id": "x",\n  "direction": }')])
    assert loaded.submission is None
    assert loaded.error.location == f"{tmp_path / 'bad.json'}:2:16"
    assert "invalid JSON" in loaded.error.message


def test_wrong_type_names_the_field_path(tmp_path):
    doc = base()
    doc["certificate"]["lines"].append({"hs_code": "7102.31", "carats": "many", "value_usd": 1})
    loaded = one([write(tmp_path / "s.json", json.dumps(doc))])
    assert loaded.error.location.endswith("certificate.lines[1].carats")
    assert "decimal" in loaded.error.message
    assert loaded.raw_id == "ALA-2024-0007"


def test_unknown_field_names_the_field_path(tmp_path):
    doc = base()
    doc["certificate"]["colour"] = "D"
    loaded = one([write(tmp_path / "s.json", json.dumps(doc))])
    assert loaded.error.location.endswith("certificate.colour")
    assert "unknown field" in loaded.error.message


def test_extensions_take_anything(tmp_path):
    doc = base()
    doc["extensions"] = {"colour": "D", "nested": {"x": [1, 2]}}
    assert one([write(tmp_path / "s.json", json.dumps(doc))]).error is None


def test_missing_required_field_and_bad_direction_and_version(tmp_path):
    doc = base()
    del doc["certificate"]["number"]
    doc["direction"] = "transit"
    doc["schema_version"] = 2
    error = one([write(tmp_path / "s.json", json.dumps(doc))]).error
    assert error.location.endswith("schema_version") and error.message.startswith("expected 1, got 2")
    assert "certificate.number: required field is missing" in error.message
    assert "direction: expected 'export' or 'import'" in error.message


def test_bad_date_and_boolean_are_not_coerced(tmp_path):
    doc = base()
    doc["presented_on"] = "04.03.2024"
    doc["certificate"]["condition"]["erasures"] = "false"
    error = one([write(tmp_path / "s.json", json.dumps(doc))]).error
    assert error.location.endswith("presented_on") and error.message.startswith("expected a date YYYY-MM-DD")
    assert "certificate.condition.erasures" in error.message


def test_missing_file_is_an_error_result(tmp_path):
    loaded = one([tmp_path / "nope.json"])
    assert loaded.error.message == "no such file or folder"


def test_jsonl_reports_file_and_line_and_keeps_going(tmp_path):
    good = json.dumps(base())
    path = write(tmp_path / "batch.jsonl", f"{good}\n\n{{broken\n{good}\n")
    loaded = list(read_sources([path]))
    assert [x.source for x in loaded] == [f"{path}:1", f"{path}:3", f"{path}:4"]
    assert loaded[1].error.location.startswith(f"{path}:3:")
    assert loaded[0].submission and loaded[2].submission


def test_folder_is_read_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    write(tmp_path / "b" / "2.json", json.dumps(base()))
    write(tmp_path / "a.yaml", "id: x\n")
    write(tmp_path / "c.txt", "ignored")
    write(tmp_path / "b" / "1.jsonl", json.dumps(base()) + "\n")
    sources = [x.source for x in read_sources([tmp_path])]
    assert sources == [str(tmp_path / "a.yaml"), f"{tmp_path / 'b' / '1.jsonl'}:1", str(tmp_path / "b" / "2.json")]


def test_yaml_reads_norway_as_a_code_and_amounts_exactly(tmp_path):
    doc = base()
    text = json.dumps(doc)  # JSON is YAML; then switch the importer to Norway, unquoted
    text = text.replace('"country": "AE"', '"country": NO').replace('"value_usd": 812500.0', '"value_usd": 812500.0000000000000001')
    loaded = one([write(tmp_path / "s.yaml", text)])
    assert loaded.error is None, loaded.error
    assert loaded.submission.certificate.importer.country == "NO"
    assert loaded.submission.certificate.lines[0].value_usd == Decimal("812500.0000000000000001")


def test_yaml_error_names_line_column_and_path(tmp_path):
    path = write(tmp_path / "s.yaml", "schema_version: 1\nid: x\ndirection: export\npresented_on: 2024-13-01\n")
    loaded = one([path])
    assert loaded.error is not None
    assert str(path) + ":4" in loaded.error.location or "presented_on" in loaded.error.location


def test_long_json_amounts_keep_every_digit():
    doc = json.dumps(base()).replace("1250.5,", "1250.0000000000000001,")
    loaded = parse_json(doc.encode(), "x")
    assert loaded.error is None
    assert loaded.submission.certificate.lines[0].carats == Decimal("1250.0000000000000001")


def test_other_shapes_and_depths_are_errors_not_crashes(tmp_path):
    write(tmp_path / "a-list.json", "[]")
    write(tmp_path / "b-empty.yaml", "")
    write(tmp_path / "c-deep.json", "[" * 5000 + "]" * 5000)
    write(tmp_path / "d-nan.json", json.dumps(base()).replace('"total_carats": 1250.5', '"total_carats": NaN'))
    (tmp_path / "e-binary.json").write_bytes(b"\x00\x01\xff")
    loaded = list(read_sources([tmp_path]))
    assert [x.submission for x in loaded] == [None] * 5
    messages = [x.error.message for x in loaded]
    assert "one mapping" in messages[0] and "got list" in messages[0]
    assert "got nothing" in messages[1]
    assert "recursion" in messages[2]
    assert loaded[3].error.location.endswith("certificate.total_carats") and "finite" in messages[3]
    assert messages[4].startswith("invalid JSON")
