#!/usr/bin/env python3
"""The hostile-input harness: malformed submissions and corrupted rulebooks through the CLI.

    python tools/hostile.py --files 4000 --rulebooks 500          # the long run (by hand)
    python tools/hostile.py --files 40 --rulebooks 6              # the short run (the tests)

It drives ``kpcheck`` as a user would, one process per command: ``audit`` and ``check`` of
every batch on each engine, ``stats`` and ``rules impact`` of every batch, and for every
corrupted rulebook ``rules lint`` and ``check --rules`` on each engine. It counts and lists
every traceback, crash (an exit code other than 0, 1, 2), hang (past ``--timeout``),
report that is not valid JSON, and input not accounted for exactly once. Then the fault
cases of ``hostile_faults.py`` (issue 25: the register, signals and spools, the terminal,
special inputs, settings, data files; ``--faults none`` leaves them out). Exit 0 when there
is no failure, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_faults import CASES, run_cases
from hostile_inputs import make_batch
from hostile_rulebooks import RULES, corrupt

BASE = RULES / "bases" / "compliant-export.json"


@dataclass
class Tally:
    """What a run found."""

    commands: Counter = field(default_factory=Counter)
    files: int = 0
    inputs: int = 0
    rulebooks: int = 0
    results: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    faults: dict[str, str | None] = field(default_factory=dict)

    def fail(self, kind: str, detail: str) -> None:
        self.kinds[kind] += 1
        self.failures.append(f"{kind}: {detail}")


def run(args: list[str], env: dict[str, str], timeout: float) -> tuple[int | None, str, str]:
    """One kpcheck process: (exit code or None on a hang, stdout, stderr)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kpcheck", *args], capture_output=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as exc:
        return None, (exc.stdout or b"").decode(errors="replace"), (exc.stderr or b"").decode(errors="replace")
    return done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")


def judge(tally: Tally, what: str, outcome: tuple[int | None, str, str], allowed: tuple[int, ...]) -> bool:
    """Record a hang, crash or traceback; True when the command ended as allowed."""
    code, out, err = outcome
    tally.commands[what.split()[0]] += 1
    if code is None:
        tally.fail("hang", what)
        return False
    if "Traceback (most recent call last)" in out + err or "stopped on an internal error" in err:
        tally.fail("traceback", f"{what}: {err[-600:]}")
        return False
    if code not in allowed:
        tally.fail("crash", f"{what}: exit {code}: {err[-300:]}")
        return False
    return True


def check_report(tally: Tally, what: str, report: Path, expected: dict[str, int]) -> None:
    """The JSON report is valid and accounts for every input exactly once."""
    try:
        doc = json.loads(report.read_text(encoding="utf-8"))
        results = doc["results"]
        summary = doc["summary"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        tally.fail("invalid report", f"{what}: {exc}")
        return
    seen: Counter = Counter()
    for result in results:
        source = result["source"]
        file = source if source in expected else source.rsplit(":", 1)[0]
        seen[file] += 1
    wanted = Counter({k: v for k, v in expected.items() if v})
    if seen != wanted:
        extra, missing = seen - wanted, wanted - seen
        tally.fail("unaccounted", f"{what}: extra {dict(list(extra.items())[:3])}, missing {dict(list(missing.items())[:3])}")
    if summary.get("submissions") != len(results) or sum(v for k, v in summary.items() if k != "submissions") != len(results):
        tally.fail("invalid report", f"{what}: summary {summary} for {len(results)} results")
    for result in results:
        tally.results[result["status"]] += 1


def amended_copy(work: Path) -> Path:
    """The shipped rulebook with a comment added: ``rules impact`` refuses a rulebook compared
    with itself (same hash), so the harness compares it with this copy."""
    copy = work / "rules-amended"
    if not copy.exists():
        shutil.copytree(RULES, copy)
        first = sorted((copy / "DUP").glob("*.yaml"))[0]
        first.write_text(first.read_text(encoding="utf-8") + "# amended by the hostile harness\n", encoding="utf-8")
    return copy


def submissions(tally: Tally, opts: argparse.Namespace, work: Path, env: dict[str, str]) -> None:
    batches = -(-opts.files // opts.batch_files)
    amended = amended_copy(work)
    for b in range(batches):
        folder = work / f"batch{b:03d}"
        count = min(opts.batch_files, opts.files - b * opts.batch_files)
        expected = make_batch(folder, count, opts.seed + b, opts.lines)
        tally.files += count
        tally.inputs += sum(expected.values())
        for engine in opts.engines:
            for command in ("audit", "check"):
                report = work / f"{command}-{engine}-{b}.json"
                extra = ["--jobs", str(opts.jobs)] if command == "audit" else []
                what = f"{command} batch{b} --engine {engine}"
                outcome = run(
                    [command, str(folder), "--engine", engine, "--fail-on", "never", *extra, "--format", f"json={report}"],
                    env,
                    opts.timeout,
                )
                if judge(tally, what, outcome, (0, 2)):
                    check_report(tally, what, report, expected)
                    tally.commands["inputs checked"] += sum(expected.values())
        engine = opts.engines[b % len(opts.engines)]  # impact runs two audits: one engine a batch
        impact = run(
            ["rules", "impact", "--new", str(amended), "--engine", engine, "--jobs", str(opts.jobs), str(folder), "--format", "json"],
            env,
            opts.timeout,
        )
        if judge(tally, f"impact batch{b} --engine {engine}", impact, (0, 2)):  # 2: unreadable inputs, reported
            try:
                json.loads(impact[1])
            except ValueError as exc:
                tally.fail("invalid report", f"impact batch{b}: {exc}")
        judge(tally, f"stats batch{b}", run(["stats", str(folder)], env, opts.timeout), (0, 2))
        shutil.rmtree(folder, ignore_errors=True)
        print(f"batch {b + 1}/{batches}: {tally.inputs} inputs so far, {len(tally.failures)} failure(s)", flush=True)


def one_rulebook(tally: Tally, opts: argparse.Namespace, work: Path, env: dict[str, str], i: int) -> None:
    folder = work / f"rulebook{i:04d}"
    note = corrupt(folder, opts.seed * 7919 + i)
    judge(tally, f"lint rulebook{i} ({note})", run(["rules", "lint", str(folder)], env, opts.timeout), (0, 1, 2))
    for engine in opts.engines:
        report = work / f"rb-{i}-{engine}.json"
        what = f"check --rules rulebook{i} ({note}) --engine {engine}"
        outcome = run(
            ["check", "--rules", str(folder), "--engine", engine, "--fail-on", "never", str(BASE), "--format", f"json={report}"],
            env,
            opts.timeout,
        )
        if judge(tally, what, outcome, (0, 2)) and outcome[0] == 0:
            check_report(tally, what, report, {str(BASE): 1})
    shutil.rmtree(folder, ignore_errors=True)


def rulebooks(tally: Tally, opts: argparse.Namespace, work: Path, env: dict[str, str]) -> None:
    """Every corrupted rulebook, or as many as ``--rulebook-minutes`` allows (the figures say how many)."""
    deadline = time.monotonic() + opts.rulebook_minutes * 60 if opts.rulebook_minutes else None

    def one(i: int) -> bool:
        if deadline is not None and time.monotonic() > deadline:
            return False
        one_rulebook(tally, opts, work, env, i)
        return True

    with ThreadPoolExecutor(opts.jobs) as pool:
        for done in pool.map(one, range(opts.rulebook_first, opts.rulebook_first + opts.rulebooks)):
            tally.rulebooks += done
            if done and tally.rulebooks % 25 == 0:
                print(f"rulebook {tally.rulebooks}/{opts.rulebooks}: {len(tally.failures)} failure(s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=400, help="malformed input files (default 400)")
    parser.add_argument("--batch-files", type=int, default=500, help="files per audited folder")
    parser.add_argument("--lines", type=int, default=6, help="at most this many lines per JSON Lines file")
    parser.add_argument("--rulebooks", type=int, default=20, help="corrupted rulebooks (default 20)")
    parser.add_argument(
        "--rulebook-first", type=int, default=0, help="number of the first corrupted rulebook (to continue a long run in parts; default 0)"
    )
    parser.add_argument(
        "--rulebook-minutes", type=float, default=0, help="stop starting corrupted rulebooks after this many minutes (0: no limit)"
    )
    parser.add_argument("--engines", default="durable,python", help="engines to run (comma-separated)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a command counts as hung")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one, removed)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument(
        "--faults", default="all", help="fault cases to run: all, none, or words of their names, comma-separated (default all)"
    )
    opts = parser.parse_args(argv)
    opts.engines = [e for e in opts.engines.split(",") if e]
    work = opts.work or Path(tempfile.mkdtemp(prefix="kpcheck-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "KPCHECK_CACHE_DIR": str(work / "cache"), "COLUMNS": "120"}
    env.pop("KPCHECK_NO_CACHE", None)
    started, tally = time.monotonic(), Tally()
    try:
        submissions(tally, opts, work, env)
        rulebooks(tally, opts, work, env)
        if opts.faults != "none":
            only = None if opts.faults == "all" else [w for w in opts.faults.split(",") if w]
            tally.faults = run_cases(work / "faults", env, only)
            for name, problem in tally.faults.items():
                if problem is not None:
                    tally.fail("fault", f"{name}: {problem}")
    finally:
        if opts.work is None:
            shutil.rmtree(work, ignore_errors=True)
    figures = figures_of(tally, opts, time.monotonic() - started)
    print(json.dumps(figures, indent=2))
    for line in tally.failures[:40]:
        print(line[:2000])
    if opts.json:
        opts.json.write_text(json.dumps({**figures, "failure_list": tally.failures}, indent=2) + "\n")
    return 1 if tally.failures else 0


def figures_of(tally: Tally, opts: argparse.Namespace, seconds: float) -> dict[str, Any]:
    return {
        "files": tally.files,
        "inputs": tally.inputs,
        "rulebooks": tally.rulebooks,
        "rulebook_first": opts.rulebook_first,
        "engines": opts.engines,
        "commands": dict(tally.commands),
        "statuses": dict(tally.results),
        "tracebacks": tally.kinds["traceback"],
        "crashes": tally.kinds["crash"],
        "hangs": tally.kinds["hang"],
        "unaccounted": tally.kinds["unaccounted"],
        "invalid_reports": tally.kinds["invalid report"],
        "fault_cases": len(tally.faults),
        "fault_cases_known": len(CASES),
        "fault_failures": tally.kinds["fault"],
        "failures": len(tally.failures),
        "seconds": round(seconds, 1),
    }


if __name__ == "__main__":
    sys.exit(main())
