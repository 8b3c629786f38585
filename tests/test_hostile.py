"""The hostile-input harness (tools/hostile.py), its short run: malformed submissions in
JSON, YAML and JSON Lines and corrupted rulebooks, through the CLI on both engines, with no
traceback, crash or hang, every input accounted for once and a valid report. The long run
(10,000 inputs, 500 rulebooks) is made by hand: python tools/hostile.py --files 4700 --rulebooks 500."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import ENGINE_KINDS, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import hostile_inputs
import hostile_rulebooks


def _tool():
    from tools import hostile

    return hostile


def test_batches_are_deterministic_and_cover_every_kind(tmp_path):
    one = hostile_inputs.make_batch(tmp_path / "a", 120, seed=3)
    two = hostile_inputs.make_batch(tmp_path / "b", 120, seed=3)
    assert list(one.values()) == list(two.values())
    assert set(Path(p).suffix for p in one) >= {".json", ".yaml", ".jsonl"}
    assert sum(one.values()) > 120


def test_jsonl_count_is_the_non_blank_lines():
    assert hostile_inputs.jsonl_count(b'{}\n\n  \n{"a": 1}') == 2


def test_a_corrupted_rulebook_differs_from_the_shipped_one(tmp_path):
    note = hostile_rulebooks.corrupt(tmp_path / "r", seed=4)
    changed = note.split(":")[0]
    shipped = hostile_rulebooks.RULES / changed
    copy = tmp_path / "r" / changed
    assert not copy.exists() or not shipped.exists() or copy.read_bytes() != shipped.read_bytes()


def test_short_hostile_run(tmp_path):
    figures = tmp_path / "figures.json"
    code = _tool().main(
        [
            "--files",
            "30",
            "--rulebooks",
            "3",
            "--seed",
            "9",
            "--engines",
            ",".join(ENGINE_KINDS),
            "--timeout",
            "300",
            "--json",
            str(figures),
            "--faults",
            "none",
        ]
    )
    found = json.loads(figures.read_text())
    assert found["failure_list"] == [] and code == 0
    assert found["files"] == 30 and found["inputs"] >= 30 and found["rulebooks"] == 3
    assert found["tracebacks"] == found["crashes"] == found["hangs"] == found["unaccounted"] == 0


def test_the_fault_cases_of_the_second_round(tmp_path):
    """Every fault case of tools/hostile_faults.py (issue 25), through real processes."""
    import hostile_faults

    env = {**__import__("os").environ, "KPCHECK_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "120"}
    found = hostile_faults.run_cases(tmp_path / "faults", env)
    assert len(found) == len(hostile_faults.CASES) >= 18
    assert {name: problem for name, problem in found.items() if problem is not None} == {}
