"""Malformed submissions of every kind kpcheck must survive: JSON, YAML and JSON Lines.

Each generated file comes with how many submissions a reader must report for it, so that a
run can prove every input was accounted for exactly once. Deterministic for a seed.
Used by ``tools/hostile.py``; no kpcheck import (the files are made as a stranger would).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASES = sorted((ROOT / "rules" / "bases").glob("*.json"))

WEIRD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    10**40,
    -(10**40),
    1e-08,
    1e-30,
    1e308,
    "1e400",
    "NaN",
    "Infinity",
    "-0",
    "",
    " ",
    "x" * 100_000,
    "[/]",
    "[link=https://example.org]click[/link]",
    "[bold red]x[/bold red]",
    "\x00\x07\x1b[31mred\x1b[0m",
    "\u202eevil\u202c",
    "\ud7ff\ue000",
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "2024-13-01",
    "99999-01-01",
    {},
    [],
    [[[]]],
    {"a": {"b": {"c": None}}},
    12345678901234567890,
    "1250.50",
    "１２３",
    "7102.31" * 1000,
    -0.0,
    1.5e-323,
]
DATE_PATHS = [
    "presented_on",
    "certificate.issued_on",
    "certificate.expires_on",
    "duplicate.damaged_on",
    "duplicate.returned_on",
    "state_control_act.issued_on",
    "customs.declared_on",
    "certificate.coupon.received_on",
]
AMOUNT_PATHS = [
    "certificate.lines.0.carats",
    "certificate.lines.0.value_usd",
    "certificate.total_carats",
    "certificate.total_value_usd",
    "state_control_act.carats",
    "state_control_act.value_usd",
]
EXTREME_DATES = ["9999-12-31", "9999-12-30", "0001-01-01", "0001-01-02", "2024-02-29", "1900-01-01"]
EXTREME_AMOUNTS: list[Any] = [
    10**40,
    10**12,
    10**12 - 1,
    1e-08,
    1e-20,
    1e-30,
    0,
    -1,
    0.001,
    "1e400",
    1e308,
    123456789012345678901234567890,
    "0.0000000000000000000000001",
]
NAMES = ["plain", "[bold red]x", "x[", "sp ace", "ünï", "[/]", "a]b[c"]


@dataclass(frozen=True)
class Made:
    """One input file: its path relative to the batch folder, bytes, and expected results."""

    name: str
    data: bytes
    count: int


def base(rng: random.Random) -> dict[str, Any]:
    return json.loads(rng.choice(BASES).read_text(encoding="utf-8"))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    node = doc
    for part in path[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(part, {})
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node[path[-1]] = value
    elif isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node):
        node[path[-1]] = value


def _dotted(path: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in path.split("."))


def mutate_value(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One or more fields set to strange values, removed or added."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.25:
            _set(doc, _dotted(rng.choice(DATE_PATHS)), rng.choice(EXTREME_DATES))
        elif kind < 0.45:
            _set(doc, _dotted(rng.choice(AMOUNT_PATHS)), rng.choice(EXTREME_AMOUNTS))
        elif kind < 0.75:
            _set(doc, rng.choice(_paths(doc)), copy.deepcopy(rng.choice(WEIRD_VALUES)))
        elif kind < 0.9:
            path = rng.choice(_paths(doc))
            parent = doc
            for part in path[:-1]:
                parent = parent[part]
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
        else:
            doc[rng.choice(["[bold]x", "k" * 5000, "extra", "\x00"])] = rng.choice(WEIRD_VALUES[:20])
    return doc


def deep(levels: int, kind: str) -> bytes:
    if kind == "json":
        return ('{"id": "deep", "x": ' + "[" * levels + "]" * levels + "}").encode()
    return ("id: deep\nx: " + "[" * levels + "]" * levels + "\n").encode()


def alias_bomb(levels: int) -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def to_yaml(doc: Any) -> bytes:
    """JSON is YAML 1.2 (flow style): a faithful YAML rendering without a YAML library."""
    return json.dumps(doc, ensure_ascii=False).encode()


YAML_SPECIALS: list[Callable[[random.Random], bytes]] = [
    lambda r: b"schema_version: !foo 1\nid: tagged\n",
    lambda r: b"id: !!binary aGVsbG8=\nschema_version: 1\n",
    lambda r: b"id: x\ncertificate: !!set {a, b}\n",
    lambda r: b"id: x\ncertificate: !!omap [a: 1, b: 2]\n",
    lambda r: b"!!python/object/apply:os.system ['echo pwned']\n",
    lambda r: b"schema_version: " + b"9" * r.choice([51, 4301, 4401, 20000]) + b"\n",
    lambda r: alias_bomb(r.choice([5, 8, 10])),
    lambda r: deep(r.choice([65, 200, 300, 1000, 5000]), "yaml"),
    lambda r: b"id: a\nid: b\n",
    lambda r: b"base: &b {id: x}\nall:\n  <<: *b\n",
    lambda r: b"---\nid: one\n---\nid: two\n",
    lambda r: b"id: x\n\tschema_version: 1\n",
    lambda r: b"\xef\xbb\xbfid: bom\n",
    lambda r: b"id: \xff\xfe broken utf-8\n",
    lambda r: b"id: nul\x00here\n",
    lambda r: b"? [complex, key]\n: value\n",
    lambda r: b"- just\n- a list\n",
    lambda r: b"",
    lambda r: b"   \n\n",
    lambda r: b"id: '[/]'\ndirection: '[link=x]click[/link]'\n",
]

JSON_SPECIALS: list[Callable[[random.Random], bytes]] = [
    lambda r: deep(r.choice([65, 200, 1000, 100_000]), "json"),
    lambda r: b'{"schema_version": ' + b"9" * r.choice([30, 4301, 5000]) + b"}",
    lambda r: b'{"id": "a", "id": "b"}',
    lambda r: b'{"carats": 1e999, "x": NaN, "y": -Infinity}',
    lambda r: b'{"id": "trailing",}',
    lambda r: b"// comment\n{}",
    lambda r: b"[]",
    lambda r: b"null",
    lambda r: b'"text"',
    lambda r: b"42",
    lambda r: b"",
    lambda r: b"\xef\xbb\xbf{}",
    lambda r: b'{"id": "\xff\xfe"}',
    lambda r: b'{"id": "\\ud800"}',
    lambda r: b"{" * 3,
]


def _raw_damage(data: bytes, rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.4:
        return data[: rng.randint(0, max(len(data) - 1, 0))]
    if kind < 0.8:
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if out:
                out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    pos = rng.randint(0, len(data))
    return data[:pos] + rng.choice([b"\x00", b"\xff\xfe", b"{", b"]]]", b"\x1b[31m", b'"']) + data[pos:]


def jsonl_count(data: bytes) -> int:
    """Submissions in a JSON Lines file: its non-blank lines (split at LF)."""
    return sum(1 for line in data.split(b"\n") if line.strip())


def make_file(index: int, rng: random.Random, lines_per_file: int = 6) -> Made:
    """One malformed (or, now and then, valid) input file."""
    folder = rng.choice(NAMES) if rng.random() < 0.2 else "plain"
    stem = f"{folder}/{rng.choice(NAMES) if rng.random() < 0.1 else 'f'}{index:06d}"
    kind = rng.random()
    if kind < 0.35:
        data = json.dumps(mutate_value(base(rng), rng), ensure_ascii=rng.random() < 0.5).encode()
        data = rng.choice(JSON_SPECIALS)(rng) if rng.random() < 0.15 else data
        return Made(f"{stem}.json", _raw_damage(data, rng) if rng.random() < 0.2 else data, 1)
    if kind < 0.6:
        data = to_yaml(mutate_value(base(rng), rng))
        data = rng.choice(YAML_SPECIALS)(rng) if rng.random() < 0.3 else data
        return Made(f"{stem}.{rng.choice(['yaml', 'yml'])}", _raw_damage(data, rng) if rng.random() < 0.15 else data, 1)
    lines = []
    for _ in range(rng.randint(1, lines_per_file)):
        line = json.dumps(mutate_value(base(rng), rng)).encode() if rng.random() < 0.8 else b""
        if rng.random() < 0.15:
            line = rng.choice(JSON_SPECIALS)(rng).replace(b"\n", b" ")
        if rng.random() < 0.1:
            line = _raw_damage(line, rng)
        lines.append(line.replace(b"\r", b" "))  # a lone CR is issue 13's reader question
    data = b"\n".join(lines) + (b"\n" if rng.random() < 0.7 else b"")
    return Made(f"{stem}.jsonl", data, jsonl_count(data))


def make_batch(folder: Path, files: int, seed: int, lines_per_file: int = 6) -> dict[str, int]:
    """Write ``files`` inputs under ``folder``; the expected number of results per source file."""
    rng = random.Random(seed)
    expected: dict[str, int] = {}
    for i in range(files):
        made = make_file(seed * 1_000_000 + i, rng, lines_per_file)
        path = folder / made.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(made.data)
        expected[str(path)] = made.count
    return expected
