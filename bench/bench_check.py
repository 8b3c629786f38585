"""Benchmark of the desk check: one whole `kpcheck check` process, and per-submission throughput.

    python bench/bench_check.py [--count 5000] [--runs 7]

Prints (1) the wall time of one `kpcheck check` of one file as a whole process beside
`python -c "import pydantic"`, medians of --runs runs; (2) per-submission evaluation
throughput on each engine, with the COND and FORM rules and with the whole rulebook,
beside `model_validate_json` of the same bytes alone, as ratios. Numbers, not assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from generate import generate  # noqa: E402

from kpcheck.engine import Engine, durable  # noqa: E402
from kpcheck.input.models import Submission  # noqa: E402
from kpcheck.reference.queries import load_reference  # noqa: E402
from kpcheck.rulebook.loader import RULES_DIR, Rulebook, load_rulebook  # noqa: E402


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rate(func, items, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            func(item)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def subset(book: Rulebook, families: set[str]) -> Rulebook:
    rules = [r for r in book.rules if r.family in families]
    return Rulebook(book.directory, book.version, rules, book.lets, book.files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    sample = ROOT / "rules" / "bases" / "compliant-export.json"
    kpcheck = str(Path(sys.executable).with_name("kpcheck"))
    t_check = wall([kpcheck, "check", str(sample)], args.runs)
    t_import = wall([sys.executable, "-c", "import pydantic"], args.runs)
    print(f"one `kpcheck check` of one file (whole process): {t_check * 1000:.0f} ms median of {args.runs}")
    print(f"`python -c 'import pydantic'`:                  {t_import * 1000:.0f} ms  "
          f"(check = {t_check / t_import:.1f}x)")

    raw = [json.dumps(doc).encode() for doc in generate(args.count, 0.3, 7)]
    subs = [Submission.model_validate_json(b) for b in raw]
    parse_rate = rate(Submission.model_validate_json, raw)
    print(f"\n{args.count} generated submissions (30% with defects)")
    print(f"model_validate_json alone: {parse_rate:,.0f} submissions/s")
    book, reference = load_rulebook(RULES_DIR), load_reference(RULES_DIR)
    kinds = ["python"] + (["durable"] if durable.AVAILABLE else [])
    for label, rulebook in (("COND+FORM", subset(book, {"COND", "FORM"})), ("whole rulebook", book)):
        for kind in kinds:
            engine = Engine(rulebook, reference, kind)
            eval_rate = rate(engine.evaluate, subs)
            both = rate(lambda b: engine.evaluate(Submission.model_validate_json(b)), raw)
            print(f"{label:>15} [{kind:>7}] {len(engine.compiled):>3} rules: evaluate {eval_rate:>9,.0f}/s "
                  f"(one evaluation costs {parse_rate / eval_rate:4.2f} validations); "
                  f"parse+evaluate {both:,.0f}/s")


if __name__ == "__main__":
    main()
