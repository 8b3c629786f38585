"""Benchmark of batch audits on generated batches.

    python bench/bench_audit.py [--sizes 10000 100000] [--engine durable]

For each size it generates (once, cached in bench/out/) a JSON Lines batch with 20% of
defective submissions, then measures in separate processes, with GNU time:
- a plain pass that only parses and validates each line with the project's pydantic models
  (``Submission.model_validate_json``);
- ``kpcheck audit --format json=FILE`` with ``--jobs 1`` and ``--jobs 2``.
It prints submissions per second, wall time and peak resident memory (maximum RSS of the
process or of its largest child), and the audit/plain ratios.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "tools"))

PLAIN = """
import sys
from kpcheck.input.models import Submission
n = 0
with open(sys.argv[1], 'rb') as f:
    for line in f:
        if line.strip():
            Submission.model_validate_json(line); n += 1
print(n)
"""


def batch(size: int) -> Path:
    from generate import generate

    path = OUT / f"batch-{size}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        with path.open("w") as stream:
            for doc in generate(size, 0.2, 11):
                stream.write(json.dumps(doc) + "\n")
    return path


def timed(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of a command, by GNU time."""
    result = subprocess.run(["/usr/bin/time", "-f", "%e %M", *cmd], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, check=False)
    seconds, kilobytes = result.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--engine", default=None, choices=["durable", "python"])
    args = parser.parse_args()
    kpcheck = str(Path(sys.executable).with_name("kpcheck"))
    engine = ["--engine", args.engine] if args.engine else []
    print(f"{'size':>8} {'run':<22} {'wall s':>8} {'subs/s':>9} {'peak MB':>8} {'vs plain':>9}")
    for size in args.sizes:
        path = batch(size)
        plain_s, plain_mb = timed([sys.executable, "-c", PLAIN, str(path)])
        print(f"{size:>8} {'plain validation':<22} {plain_s:>8.1f} {size / plain_s:>9,.0f} {plain_mb:>8}")
        for jobs in (1, 2):
            report = OUT / f"audit-{size}-j{jobs}.json"
            cmd = [kpcheck, "audit", str(path), "--jobs", str(jobs), "--fail-on", "never",
                   "--format", f"json={report}", *engine]
            seconds, mb = timed(cmd)
            label = f"audit --jobs {jobs}"
            print(f"{size:>8} {label:<22} {seconds:>8.1f} {size / seconds:>9,.0f} {mb:>8} "
                  f"{plain_s / seconds:>8.2f}x")


if __name__ == "__main__":
    main()
