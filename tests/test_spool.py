"""An audit's spool gives back exactly what it was given (kpcheck.batch.spool): every field of
every result (its verdict as the enum, its day as a date, its findings and "not applicable"
entries equal and in order), every XREF key (as an XrefKey), and the unit's packed members."""

from __future__ import annotations

import io
import json
from dataclasses import fields

from conftest import ROOT

from kpcheck.api import Checker
from kpcheck.batch import spool
from kpcheck.batch.xref import XrefKey, key_of
from kpcheck.input.reader import parse_data, parse_json
from kpcheck.results import Result
from kpcheck.verdicts import Verdict


def test_a_row_has_every_field_of_a_result_in_order():
    """A field added to Result must be added to the spool's row (and to its reading)."""
    assert spool.ROW == tuple(f.name for f in fields(Result))


def _pairs() -> list[tuple[Result, XrefKey | None]]:
    from tools import generate

    checker = Checker.load(engine="python")
    loaded = [parse_json(path.read_bytes(), path.name) for path in sorted((ROOT / "fixtures" / "submissions").glob("*.json"))]
    loaded += [parse_data(doc, f"generated:{n}") for n, doc in enumerate(generate.generate(300, 0.5, 7))]
    loaded += [parse_json(b'{"schema_version": 1, "id": "X-1"', "broken.json"), parse_json(b"[]", "list.json")]
    pairs = []
    for item in loaded:
        result = checker.check_loaded(item, "ru")
        key = key_of(item.submission, item.source, content=len(pairs) % 2 == 0) if item.submission is not None else None
        pairs.append((result, key))
    return pairs


def test_what_is_spooled_is_read_back():
    pairs = _pairs()
    assert any(r.findings for r, _ in pairs) and any(r.status is Verdict.ERROR for r, _ in pairs)
    assert any(k is None for _, k in pairs) and any(k is not None and k.prices for _, k in pairs)
    members = (b"\x01\x02", (("7102.10", b"\x03"),))
    stream = io.BytesIO()
    spool.write(stream, members, pairs)
    stream.seek(0)
    assert spool.read_members(stream) == members
    stream.seek(0)
    assert spool.read_keys(stream) == [key for _, key in pairs]
    stream.seek(0)
    back = list(spool.read(stream))
    assert len(back) == len(pairs)
    for (result, key), (read, read_key) in zip(pairs, back):
        assert read == result and list(vars(read)) == list(vars(result))  # every field, in the same order
        assert type(read.status) is Verdict and type(read.presented_on) is type(result.presented_on)
        assert [type(f) for f in read.findings] == [type(f) for f in result.findings]
        assert read_key == key and (key is None or type(read_key) is XrefKey)
        if key is not None:
            assert type(read_key.presented_on) is type(key.presented_on)


def test_a_report_of_spooled_results_is_the_report_of_the_results():
    from kpcheck.report import result_to_dict

    pairs = _pairs()
    stream = io.BytesIO()
    spool.write(stream, (b"", ()), pairs)
    stream.seek(0)
    read = [result for result, _ in spool.read(stream)]
    assert [json.dumps(result_to_dict(r), sort_keys=False, default=str) for r in read] == [
        json.dumps(result_to_dict(r), sort_keys=False, default=str) for r, _ in pairs
    ]
