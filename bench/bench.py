"""Every speed figure of kpcheck in one run, side by side (issue 13).

    python bench/bench.py            # full: rates on 40,000, memory at 10,000 and 1,000,000
    python bench/bench.py --quick    # about a minute: rates on 10,000, no 1,000,000 run

It prints, measured in this one run so that the ratios share the machine's load:

1. the parse-only rate: a process that reads the batch and runs pydantic's
   ``Submission.model_validate_json`` on every line, nothing else;
2. the floor (issue 26): a process that reads the batch with kpcheck's own reader
   (``parse_json``), runs the rulebook's generated projection and ``decide`` and writes one
   orjson line per submission, nothing else: kpcheck's own pieces, no checks across
   certificates, no findings' messages, no reports;
   ``kpcheck audit --jobs 1`` and ``--jobs 2`` with each engine, whole process: rate, and
   the ratios to the parse-only rate and to the floor; ``--jobs 2`` over ``--jobs 1``;
3. evaluation of the whole rulebook per submission, in process, per engine, as a multiple
   of one validation of the same bytes, and the floor's pipeline per submission beside them;
4. one desk ``kpcheck check`` of one file (warm cache) as a multiple of
   ``python -c "import pydantic"`` (medians);
5. peak memory (largest resident set of the process or any child, GNU time) of
   ``audit --jobs 2`` at 10,000 and 1,000,000 submissions, and the wall time at 1,000,000.

Batches come from tools/generate.py (20% with defects) and are kept in bench/out/.
Numbers, not assertions: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "tools"))

PARSE_ONLY = """
import sys
from kpcheck.input.models import Submission
v = Submission.model_validate_json
with open(sys.argv[1], 'rb') as f:
    for line in f:
        if line.strip():
            v(line)
"""

# the floor of an audit (issue 26): kpcheck's reader, the generated projection and decision,
# one orjson line per submission; what an audit cannot go below with these pieces
FLOOR = """
import sys, orjson
from kpcheck.engine import Engine
from kpcheck.input.reader import jsonl_lines, parse_jsonl_line
from kpcheck.reference.queries import load_reference
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook
code = Engine(load_rulebook(RULES_DIR), load_reference(RULES_DIR), "python").code
project, decide, dumps = code.project, code.decide, orjson.dumps
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    for number, line in jsonl_lines(f):
        sub = parse_jsonl_line(line, "batch", number).submission
        if sub is None:
            out.write(dumps({"status": "error"}) + b"\\n")
            continue
        fact, _ = project(sub)
        hits, misses = decide(fact, sub.presented_on.toordinal(), None)
        out.write(dumps({"id": sub.id, "findings": hits, "not_applicable": len(misses)}) + b"\\n")
"""


def floor_pipeline(lines: list[bytes]) -> Callable[[bytes], bytes]:
    """The floor's work on ``lines``, in this process (see FLOOR)."""
    import orjson

    from kpcheck.engine import Engine
    from kpcheck.input.reader import parse_jsonl_line
    from kpcheck.reference.queries import load_reference
    from kpcheck.rulebook.loader import RULES_DIR, load_rulebook

    code = Engine(load_rulebook(RULES_DIR), load_reference(RULES_DIR), "python").code
    project, decide, dumps = code.project, code.decide, orjson.dumps

    def one(line: bytes) -> bytes:
        sub = parse_jsonl_line(line, "batch", 1).submission
        if sub is None:
            return dumps({"status": "error"})
        fact, _ = project(sub)
        hits, misses = decide(fact, sub.presented_on.toordinal(), None)
        return dumps({"id": sub.id, "findings": hits, "not_applicable": len(misses)})

    return one


def batch(size: int) -> Path:
    """A generated batch of ``size`` submissions, written once and kept."""
    from generate import generate

    path = OUT / f"batch-{size}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        with part.open("w") as stream:
            for doc in generate(size, 0.2, 11):
                stream.write(json.dumps(doc) + "\n")
        part.replace(path)
    return path


def timed(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB of the process or its largest child), by GNU time."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
    )
    seconds, kilobytes = result.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) // 1024


def in_turn(work: dict, runs: int, measure: Callable[[Any], Any]) -> dict[Any, list]:
    """``measure`` of each item of ``work`` over ``runs`` rounds in which they run in turn, so
    that a slow spell of the machine (a shared virtual machine has them, for minutes) falls on
    every figure alike: each item's list of measurements."""
    samples: dict[Any, list] = {name: [] for name in work}
    for _ in range(runs):
        for name, item in work.items():
            samples[name].append(measure(item))
    return samples


def interleaved(commands: dict, runs: int) -> dict:
    """Each command's fastest of ``runs`` runs in turn (the least disturbed by other load) and
    its peak memory."""
    return {name: min(values) for name, values in in_turn(commands, runs, timed).items()}


def audit_cmd(path: Path, jobs: int, engine: str) -> list[str]:
    kpcheck = str(Path(sys.executable).with_name("kpcheck"))
    return [
        kpcheck,
        "audit",
        str(path),
        "--jobs",
        str(jobs),
        "--engine",
        engine,
        "--fail-on",
        "never",
        "--format",
        f"json={OUT / f'audit-{path.stem}-j{jobs}-{engine}.json'}",
    ]


def engines() -> list[str]:
    from kpcheck.engine import durable

    return ["python"] + (["durable"] if durable.AVAILABLE else [])


def whole_process(size: int, runs: int) -> None:
    path = batch(size)
    warm = [str(Path(sys.executable).with_name("kpcheck")), "check", str(ROOT / "rules" / "bases" / "compliant-export.json")]
    subprocess.run(warm, capture_output=True, check=False)  # the rulebook cache, once, before any timing
    commands = {"parse": [sys.executable, "-c", PARSE_ONLY, str(path)]}
    commands["floor"] = [sys.executable, "-c", FLOOR, str(path), os.devnull]
    commands.update({(engine, jobs): audit_cmd(path, jobs, engine) for engine in engines() for jobs in (1, 2)})
    fastest = interleaved(commands, runs)
    parse_s, _ = fastest["parse"]
    parse_rate = size / parse_s
    floor_s, _ = fastest["floor"]
    floor_rate = size / floor_s
    print(f"\n[1-2] whole processes on {size:,} submissions (fastest of {runs}, run in turn)")
    print(f"  parse only (model_validate_json)   {parse_s:7.2f} s {parse_rate:>9,.0f}/s")
    print(
        f"  the floor (read, project, decide, one orjson line) {floor_s:7.2f} s {floor_rate:>9,.0f}/s "
        f"= {floor_rate / parse_rate:4.2f} of the parse"
    )
    for engine in engines():
        rates = {}
        for jobs in (1, 2):
            seconds, mb = fastest[(engine, jobs)]
            rates[jobs] = size / seconds
            print(
                f"  audit --jobs {jobs} --engine {engine:<8} {seconds:7.2f} s {rates[jobs]:>9,.0f}/s "
                f"= {rates[jobs] / parse_rate:4.2f} of the parse = {rates[jobs] / floor_rate:4.2f} of the floor  (peak {mb} MB)"
            )
        print(f"  --jobs 2 / --jobs 1 ({engine}): {rates[2] / rates[1]:.2f}")


def in_process(count: int) -> None:
    from generate import generate

    from kpcheck.engine import Engine
    from kpcheck.input.models import Submission
    from kpcheck.reference.queries import load_reference
    from kpcheck.rulebook.loader import RULES_DIR, load_rulebook

    raw = [json.dumps(doc).encode() for doc in generate(count, 0.2, 7)]
    subs = [Submission.model_validate_json(b) for b in raw]
    book, reference = load_rulebook(RULES_DIR), load_reference(RULES_DIR)
    engines_ = {kind: Engine(book, reference, kind) for kind in engines()}
    work = {"parse": (Submission.model_validate_json, raw), "floor": (floor_pipeline(raw), raw)}
    work.update({kind: (engine.evaluate, subs) for kind, engine in engines_.items()})
    best = {name: min(values) for name, values in in_turn(work, 5, lambda job: per_item(*job)).items()}
    parse, floor = best["parse"], best["floor"]
    print(f"\n[3] evaluation of the whole rulebook, in process, {count:,} submissions (best of 5, in turn)")
    print(f"  one validation (model_validate_json): {parse * 1e6:6.1f} µs")
    print(f"  the floor's pipeline (read, project, decide, one orjson line): {floor * 1e6:6.1f} µs = {floor / parse:4.2f} validations")
    for kind, engine in engines_.items():
        cost = best[kind]
        print(
            f"  evaluate [{kind:<7}] {len(engine.compiled)} rules: {cost * 1e6:6.1f} µs = {cost / parse:4.2f} validations "
            f"= {cost / floor:4.2f} of the floor's pipeline"
        )


def per_item(func, items) -> float:
    start = time.perf_counter()
    for item in items:
        func(item)
    return (time.perf_counter() - start) / len(items)


STACK_FLOOR = """
import sys, click, rich.console
from kpcheck.input.models import Submission
submission = Submission.model_validate_json(open(sys.argv[1], 'rb').read())
rich.console.Console().print(submission.id)
"""


def desk_check(runs: int) -> None:
    import compileall

    import kpcheck

    compileall.compile_dir(Path(kpcheck.__file__).parent, quiet=1)  # as an installed wheel has it
    sample = ROOT / "rules" / "bases" / "compliant-export.json"
    kpcheck_exe = str(Path(sys.executable).with_name("kpcheck"))
    check = [kpcheck_exe, "check", str(sample)]
    subprocess.run(check, capture_output=True, check=False)  # warm the rulebook cache
    walls = median_walls(
        {"check": check, "import": [sys.executable, "-c", "import pydantic"], "floor": [sys.executable, "-c", STACK_FLOOR, str(sample)]},
        runs,
    )
    t_check, t_import, t_floor = walls["check"], walls["import"], walls["floor"]
    print(
        f"\n[4] one desk `kpcheck check` of one file, warm, median of {runs}: {t_check * 1000:.0f} ms; "
        f"`python -c 'import pydantic'` {t_import * 1000:.0f} ms: check = {t_check / t_import:.2f}x"
    )
    print(
        f"  the stack alone (import click and rich, validate the file with the Submission model, print): "
        f"{t_floor * 1000:.0f} ms = {t_floor / t_import:.2f}x; kpcheck's own part: {(t_check - t_floor) * 1000:.0f} ms"
    )


def median_walls(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Each command's median wall time over ``runs`` rounds in which they run in turn."""

    def wall(cmd: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return time.perf_counter() - start

    return {name: statistics.median(values) for name, values in in_turn(commands, runs, wall).items()}


def memory(sizes: list[int]) -> None:
    print("\n[5] audit --jobs 2 (default engine): wall time and peak memory")
    peaks = {}
    for size in sizes:
        path = batch(size)
        kpcheck = str(Path(sys.executable).with_name("kpcheck"))
        seconds, mb = timed(
            [kpcheck, "audit", str(path), "--jobs", "2", "--fail-on", "never", "--format", f"json={OUT / f'audit-{size}-memory.json'}"]
        )
        peaks[size] = mb
        print(f"  {size:>9,} submissions: {seconds:8.1f} s ({size / seconds:,.0f}/s), peak {mb} MB")
    if len(peaks) > 1:
        low, high = min(peaks), max(peaks)
        print(f"  peak at {high:,} / peak at {low:,}: {peaks[high] / peaks[low]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="about a minute: 10,000 only, one run each")
    args = parser.parse_args()
    os.environ.setdefault("KPCHECK_CACHE_DIR", str(OUT / "cache"))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    if args.quick:
        whole_process(10_000, 1)
        in_process(2_000)
        desk_check(5)
        memory([10_000])
    else:
        whole_process(40_000, 3)
        in_process(10_000)
        desk_check(11)
        memory([10_000, 1_000_000])
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
