"""Corrupted copies of the shipped rulebook: every way a rule or reference file can go wrong.

Each corruption is made on a fresh copy of ``rules/`` by text edits (no YAML library, as a
careless editor would), deterministically for a seed. Used by ``tools/hostile.py``.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"

VALUES = [
    '"five"',
    "1e400",
    "-1",
    ".inf",
    ".nan",
    "[]",
    "{}",
    "null",
    "!!binary aGVsbG8=",
    "!foo bar",
    "'[/]'",
    "'[link=x]click[/link]'",
    "9" * 4401,
    "2024-13-01",
    "9999-12-31",
    "0001-01-01",
    "true",
    '"' + "x" * 50_000 + '"',
    "&a [*a]",
    "*nowhere",
]
KEYS = [
    "id",
    "title",
    "severity",
    "status",
    "legal_basis",
    "in_force",
    "applies_when",
    "condition",
    "message",
    "examples",
    "params",
    "let",
    "translations",
    "fields",
    "replaced_by",
]


def _rule_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.yaml") if p.name != "rulebook.yaml" and "reference" not in p.parts and "bases" not in p.parts)


def _replace_value(text: str, key: str, value: str, rng: random.Random) -> str:
    hits = [m for m in re.finditer(rf"(?m)^(\s*-?\s*){re.escape(key)}:[^\n]*$", text)]
    if not hits:
        return text + f"\n{key}: {value}\n"
    m = rng.choice(hits)
    return text[: m.start()] + f"{m.group(1)}{key}: {value}" + text[m.end() :]


def _drop_key(text: str, key: str, rng: random.Random) -> str:
    return re.sub(rf"(?m)^{re.escape(key)}:.*(\n[ \-].*)*", "", text, count=1)


def _deep_not(depth: int) -> str:
    inner = "{equals: [direction, export]}"
    for _ in range(depth):
        inner = "{not: " + inner + "}"
    return inner


EDITS: list[Callable[[str, random.Random], str]] = [
    lambda t, r: _replace_value(t, r.choice(KEYS), r.choice(VALUES), r),
    lambda t, r: _drop_key(t, r.choice(KEYS), r),
    lambda t, r: t[: r.randint(0, len(t))],
    lambda t, r: t.replace(": ", ":", 1),
    lambda t, r: "\x00" + t,
    lambda t, r: t[: len(t) // 2] + "\x07\x1b" + t[len(t) // 2 :],
    lambda t, r: "- a list\n- not a mapping\n",
    lambda t, r: "just a text\n",
    lambda t, r: "",
    lambda t, r: _replace_value(t, "condition", _deep_not(r.choice([70, 500, 5000])), r),
    lambda t, r: _replace_value(t, "days", r.choice(['"five"', "1e400", "-1", "5.5", "100000000"]), r),
    lambda t, r: t + f"\nparams:\n  unused_{r.randint(0, 99)}: 3\n" if "params:" not in t else t,
    lambda t, r: _replace_value(t, "title", "!!binary aGVsbG8=", r),
    lambda t, r: t + "\nunknown_key: 1\n",
    lambda t, r: t.replace("certificate.", "certifcate.", 1),
    lambda t, r: re.sub(r"(?m)^id: .*$", "id: WRONG-01", t, count=1),
    lambda t, r: t.replace("equals", "equalz", 1),
    lambda t, r: t.replace("fact: ", "fact: no_such_", 1),
    lambda t, r: _replace_value(t, "from", r.choice(["9999-12-31", "0001-01-01", "2024-02-30", "'x'"]), r),
    lambda t, r: t.replace("\n", "\n\t", 1),
    lambda t, r: t + "\n" + "".join(f"k{i}: &k{i} [" + ",".join([f"*k{i - 1}"] * 9) + "]\n" if i else "k0: &k0 [1]\n" for i in range(10)),
]


def _damage_bytes(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    for _ in range(rng.randint(1, 6)):
        if data:
            data[rng.randrange(len(data))] = rng.choice([0xFF, 0xFE, 0xC3, 0x00, 0x80])
    path.write_bytes(bytes(data))


def corrupt(target: Path, seed: int) -> str:
    """Copy the shipped rulebook to ``target`` and corrupt it; what was done, for the log."""
    rng = random.Random(seed)
    shutil.copytree(RULES, target)
    kind = rng.random()
    if kind < 0.08:
        path = target / "rulebook.yaml"
    elif kind < 0.16:
        path = rng.choice(sorted((target / "reference").glob("*.yaml")))
    else:
        path = rng.choice(_rule_files(target))
    if rng.random() < 0.12:
        _damage_bytes(path, rng)
        return f"{path.relative_to(target)}: bytes damaged"
    edit = rng.randrange(len(EDITS))
    for _ in range(rng.choice([1, 1, 1, 2])):
        path.write_text(EDITS[edit](path.read_text(encoding="utf-8", errors="replace"), rng), encoding="utf-8")
    if rng.random() < 0.05:
        path.unlink()
        return f"{path.relative_to(target)}: removed"
    return f"{path.relative_to(target)}: edit {edit}"
