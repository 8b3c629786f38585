"""kpcheck's costs as instruction counts (valgrind's callgrind): load-independent figures.

    python bench/instructions.py                 # audit per submission (each engine), desk check
    python bench/instructions.py --only audit-python --size 1000

Wall-clock figures on a shared 2-core machine move 20-30% from one run to the next; the number
of instructions a process executes does not depend on what else runs, so a change is judged by
these counts (docs/benchmarks.md). Each figure is a whole process under
``valgrind --tool=callgrind``:

* ``audit-<engine>``: instructions *per submission* of ``kpcheck audit --jobs 1``: (the process
  over ``--size`` submissions) minus (the same over one), divided by ``size - 1``; the batch is
  bench.py's (tools/generate.py, 20% with defects, seed 11), warm rulebook cache;
* ``parse``: the same for pydantic's ``Submission.model_validate_json`` over the batch, the
  reference the issue's ratios are taken against;
* ``floor``: the same for bench.py's floor (kpcheck's own reader, the generated projection and
  decision, one orjson line a submission: what an audit cannot go below with these pieces);
* ``check``: one warm desk ``kpcheck check`` of the shipped compliant example, whole process,
  bytecode present, beside ``python -c "import pydantic"``.

Numbers, not assertions. Needs valgrind (Debian's package).
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import FLOOR, PARSE_ONLY, batch  # the same parse-only process and batches (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parents[1]


def instructions(cmd: list[str]) -> int:
    """The instructions a whole process (and its children) executes, by callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.%p", "--trace-children=yes", *cmd],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        totals = [int(m) for m in re.findall(r"Collected : (\d+)", result.stderr)]
        if not totals:
            raise SystemExit(f"callgrind printed no total for {' '.join(cmd)}:\n{result.stderr[-2000:]}")
        return sum(totals)


def kpcheck_exe() -> str:
    return str(Path(sys.executable).with_name("kpcheck"))


def audit_cmd(path: Path, engine: str, report: Path) -> list[str]:
    return [kpcheck_exe(), "audit", str(path), "--jobs", "1", "--engine", engine, "--fail-on", "never", "--format", f"json={report}"]


def per_submission(make: object, size: int) -> float:
    one, many = batch(1), batch(size)
    small = instructions(make(one))  # type: ignore[operator]
    large = instructions(make(many))  # type: ignore[operator]
    return (large - small) / (size - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="submissions in the audited batch (default 2,000)")
    parser.add_argument("--only", action="append", help="parse, floor, audit-python, audit-durable, check (repeatable; default all)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    from kpcheck.engine import durable

    wanted = args.only or ["parse", "floor", "audit-python"] + (["audit-durable"] if durable.AVAILABLE else []) + ["check"]
    compileall.compile_dir(ROOT / "kpcheck", quiet=1)  # as an installed wheel has it
    sample = ROOT / "rules" / "bases" / "compliant-export.json"
    subprocess.run([kpcheck_exe(), "check", str(sample)], capture_output=True, check=False)  # warm the rulebook cache
    for engine in ("python", "durable") if durable.AVAILABLE else ("python",):
        # and each engine's generated code: else the one-submission run compiles it, and the
        # difference per submission comes out smaller by the compile's share
        subprocess.run(audit_cmd(batch(1), engine, Path(os.devnull)), capture_output=True, check=False)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        for name in wanted:
            if name == "parse":
                figures[name] = per_submission(lambda p: [sys.executable, "-c", PARSE_ONLY, str(p)], args.size)
            elif name == "floor":
                figures[name] = per_submission(lambda p: [sys.executable, "-c", FLOOR, str(p), os.devnull], args.size)
            elif name.startswith("audit-"):
                engine = name.removeprefix("audit-")
                figures[name] = per_submission(lambda p, e=engine: audit_cmd(p, e, report), args.size)
            elif name == "check":
                figures[name] = instructions([kpcheck_exe(), "check", str(sample)])
                figures["import pydantic"] = instructions([sys.executable, "-c", "import pydantic"])
            else:
                raise SystemExit(f"unknown figure {name!r}")
    print(f"instruction counts (callgrind), batch of {args.size:,} (seed 11), {os.cpu_count()} cores")
    for name, value in figures.items():
        unit = "per submission" if name in ("parse", "floor") or name.startswith("audit-") else "whole process"
        extra = ""
        if (name.startswith("audit-") or name == "floor") and "parse" in figures:
            extra = f"  = {figures['parse'] / value:.3f} of the parse rate"
        if name.startswith("audit-") and "floor" in figures:
            extra += f" = {figures['floor'] / value:.3f} of the floor"
        if name == "check" and "import pydantic" in figures:
            extra = f"  = {value / figures['import pydantic']:.2f} x import pydantic"
        print(f"  {name:<16} {value:>16,.0f} {unit}{extra}")


if __name__ == "__main__":
    main()
