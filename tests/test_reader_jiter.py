"""The JSON reader's two parsers read alike (issue 26, "a thinner parse").

kpcheck parses JSON with jiter and, for whatever jiter refuses, with the standard library (the
words and locations of every "invalid JSON" message come from it). That is safe only if, on every
text jiter reads, it gives exactly what the standard library with ``parse_float=Decimal`` and
the repeated-key hook gives: the same keys in the same order, the same types, and decimals with
the same digits and exponent (``1.10`` is not ``1.1`` in a report). These tests hold the two to it
on the shipped examples, on hostile texts and on random mutations of valid documents.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jiter
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpcheck.input.reader import _JITER, RepeatedKey, _unique_keys, parse_json

ROOT = Path(__file__).resolve().parents[1]


def standard(raw: bytes) -> Any:
    return json.loads(raw, parse_float=Decimal, parse_constant=Decimal, object_pairs_hook=_unique_keys)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, key order and decimal digits included."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, Decimal):
        return a.as_tuple() == b.as_tuple()
    return bool(a == b)


def agree(raw: bytes) -> None:
    """Where jiter reads ``raw``, the standard library reads it and to the same values."""
    try:
        fast = jiter.from_json(raw, **_JITER)
    except ValueError:
        return  # the standard library's reading is the only one used
    assert same(fast, standard(raw)), raw


def examples() -> list[Path]:
    return sorted(p for folder in ("rules", "fixtures") for p in (ROOT / folder).rglob("*.json"))


def test_examples_read_alike() -> None:
    paths = examples()
    assert len(paths) > 40
    for path in paths:
        agree(path.read_bytes())


HOSTILE = [
    b'{"a":1.10}',
    b'{"a":0.12345678901234567891}',
    b'{"a":1e5,"b":1E-3,"c":-0.0,"d":1.0e+2,"e":1e400,"f":1e-400,"g":-0}',
    b'{"a":12345678901234567890123456789}',
    b'{"a":' + b"9" * 4000 + b"}",
    b'{"a":"\\u00e9\\ud83d\\ude00\\/"}',
    b'{"a":"\xc3\xa9"}',
    b'\t{"a":[1,2,{"b":null,"c":true}]}\r ',
    b'{"":1,"\\u0000":2}',
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_texts_read_alike(raw: bytes) -> None:
    agree(raw)
    jiter.from_json(raw, **_JITER)  # each of these is jiter's to read: the fast path is taken


REFUSED = [
    (b'{"a":NaN}', "NaN"),
    (b'{"a":"\\ud800"}', "a lone surrogate"),
    (b'{"a":1,"a":2}', "a repeated key"),
    (b'{"b":{"\\u0061":1,"a":2}}', "a repeated key, spelled otherwise"),
    (b"[" * 300 + b"]" * 300, "deep nesting"),
    (b'{"a":"\xed\xa0\x80"}', "a UTF-8-encoded surrogate"),
    (b'{"a":1,}', "a trailing comma"),
    (b'{"a":' + b"9" * 5000 + b"}", "an integer of more than 4,300 digits"),
]


@pytest.mark.parametrize(("raw", "what"), REFUSED, ids=[w for _, w in REFUSED])
def test_what_jiter_refuses_the_standard_library_reads_or_words(raw: bytes, what: str) -> None:
    with pytest.raises(ValueError):
        jiter.from_json(raw, **_JITER)
    try:
        standard(raw)
    except (ValueError, RecursionError) as exc:  # refused by both: the message is the standard library's
        assert not isinstance(exc, RepeatedKey) or "repeated" in what
    loaded = parse_json(raw, "x.json")
    assert loaded.submission is None and loaded.error is not None


def test_a_repeated_key_is_still_named() -> None:
    loaded = parse_json(b'{"id":"A","id":"B"}', "x.json")
    assert loaded.error is not None
    assert "the key 'id' is repeated in one object" in loaded.error.message


def test_invalid_json_keeps_the_standard_librarys_words_and_place() -> None:
    loaded = parse_json(b'{"id": "A",\n "x": }', "x.json")
    assert loaded.error is not None
    assert loaded.error.message == "invalid JSON: Expecting value"
    assert loaded.error.location == "x.json:2:7"


def _documents() -> list[bytes]:
    return [p.read_bytes() for p in examples()[:30]]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_documents_read_alike(data: st.DataObject) -> None:
    doc = bytearray(data.draw(st.sampled_from(_documents())))
    alphabet = b'{}[]",:.-+eE0123456789 \\untrlfa\x00\x1f\xc3\xa9\xed\xff'
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(doc)))
        kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(st.sampled_from(alphabet))
        if kind == "insert":
            doc[at:at] = bytes([byte])
        elif kind == "delete" and at < len(doc):
            del doc[at]
        elif at < len(doc):
            doc[at] = byte
    agree(bytes(doc))


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.decimals(allow_nan=False, allow_infinity=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
        max_leaves=20,
    )
)
def test_generated_values_read_alike(value: Any) -> None:
    text = json.dumps(value, default=str, ensure_ascii=bool(len(repr(value)) % 2))
    for raw in (text.encode("utf-8", "surrogatepass"), _decimals_bare(value)):
        agree(raw)


def _decimals_bare(value: Any) -> bytes:
    """``value`` as JSON with its decimals as bare numbers (as a certificate's amounts are)."""

    def encode(node: Any) -> str:
        if isinstance(node, Decimal):
            return str(node) if node.is_finite() else "0"
        if isinstance(node, dict):
            return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in node.items()) + "}"
        if isinstance(node, list):
            return "[" + ",".join(encode(v) for v in node) + "]"
        return json.dumps(node)

    return encode(value).encode("utf-8", "surrogatepass")
