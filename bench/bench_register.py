"""Benchmark of the certificate register (SQLite).

    python bench/bench_register.py [--size 1000000] [--import-size 100000] [--runs 5]
    python bench/bench_register.py --postgresql postgresql://user@host/scratch   # the same on PostgreSQL

(a) A desk check: ``kpcheck check --register`` over a register of ``--size`` submissions
    (built once, cached in bench/out/, by bulk inserts of rows made from generated submissions
    given fresh ids and numbers) against ``kpcheck check --against`` over a folder of 100
    submissions and a plain ``kpcheck check``: median wall time of ``--runs`` processes each.
    Also, in one process, the register look-up itself (the keys XREF-01/02 need) against
    reading the 100 files' keys, per check.
(b) ``kpcheck register import`` of the ``--import-size`` batch of bench.py into an empty
    register against ``kpcheck audit --jobs 1`` on the same file (the target: at least half
    its speed), with GNU time.

With ``--postgresql URL`` both run against that database instead (a scratch database: the
register's tables in it are dropped first); the big register is copied there from the SQLite
one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))

from bench import batch, timed  # noqa: E402
from kpcheck.batch.xref import key_of  # noqa: E402
from kpcheck.input.reader import parse_json  # noqa: E402
from kpcheck.input.units import loaded_of, plan_units  # noqa: E402
from kpcheck.register import schema  # noqa: E402
from kpcheck.register.quick import sqlite_history  # noqa: E402
from kpcheck.register.rows import submission_row  # noqa: E402
from kpcheck.register.store import Register, count, history_keys  # noqa: E402

TEMPLATES = 100_000
INSERT_BATCH = 20_000


def big_register(size: int) -> Path:
    """A register of ``size`` submissions: the 100,000 generated ones, then copies of them with
    ids and certificate numbers of their own (``-R1``, ``-R2``...)."""
    path = OUT / f"register-{size}.sqlite"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    for leftover in OUT.glob(building.name + "*"):
        leftover.unlink()
    register = Register.open(str(building), create=True)
    subs = [parse_json(line, "bench").submission for line in batch(TEMPLATES).read_bytes().splitlines()][:size]
    now = dt.datetime.now(dt.timezone.utc)
    rows, made, started = [], 0, time.perf_counter()
    for rep in range(-(-size // len(subs))):
        for sub in subs[: size - made]:
            if rep:
                cert = sub.certificate.model_copy(update={"number": f"{sub.certificate.number}-R{rep}"})
                sub = sub.model_copy(update={"id": f"{sub.id}-R{rep}", "certificate": cert})
            rows.append(submission_row(sub, f"bench:{rep}", now))
            if len(rows) >= INSERT_BATCH:
                register.write(lambda conn, rows=rows: conn.execute(schema.submissions.insert(), rows))
                made += len(rows)
                rows = []
                print(f"  built {made:,} rows ({made / (time.perf_counter() - started):,.0f}/s)", end="\r", flush=True)
        if rows:
            register.write(lambda conn, rows=rows: conn.execute(schema.submissions.insert(), rows))
            made += len(rows)
            rows = []
    register.close()
    print()
    building.rename(path)
    return path


def wipe(url: str) -> None:
    """Drop the register's tables from a scratch PostgreSQL database."""
    from sqlalchemy import create_engine

    from kpcheck.register.urls import database_url

    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS findings, decisions, submissions, kpcheck_schema CASCADE")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS kpcheck_append_only() CASCADE")
    engine.dispose()


def copied(source: Path, url: str) -> str:
    """The SQLite register copied into the PostgreSQL database ``url`` (unless already there)."""
    from sqlalchemy import select

    target = Register.open(url, create=True)
    with target.reading() as conn, Register.open(str(source), create=True).reading() as src:
        if count(conn) == count(src):
            return url
    wipe(url)
    target = Register.open(url, create=True)
    with Register.open(str(source), create=True).reading() as src:
        rows = src.execution_options(yield_per=INSERT_BATCH).execute(select(schema.submissions)).mappings()
        for part in rows.partitions():
            target.write(lambda conn, part=part: conn.execute(schema.submissions.insert(), [dict(r) for r in part]))
    with target.reading() as conn:  # fresh planner statistics for the look-ups
        conn.exec_driver_sql("ANALYZE submissions")
    return url


def desk_files() -> tuple[Path, Path]:
    """A folder of 100 generated submissions and a new one reusing the number of the 50th."""
    lines = batch(TEMPLATES).read_text().splitlines()
    folder = OUT / "against-100"
    if not folder.exists():
        folder.mkdir(parents=True)
        for i, line in enumerate(lines[:100]):
            (folder / f"{i:03}.json").write_text(line)
    new = json.loads(lines[49])
    new["id"] = "DESK-NEW-1"
    path = OUT / "desk-new.json"
    path.write_text(json.dumps(new))
    return folder, path


def median_run(cmd: list[str], runs: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr}")
        out = done.stdout
    return statistics.median(times), out


def xref_of(report: str) -> list[dict]:
    return [f for r in json.loads(report)["results"] for f in r["violations"] if f["rule"].startswith("XREF")]


def bench_desk(size: int, runs: int, kpcheck: str, postgresql: str | None) -> None:
    register, (folder, new) = big_register(size), desk_files()
    if postgresql:
        register = copied(register, postgresql)
    with Register.open(str(register), create=True).reading() as conn:
        print(f"register of {count(conn):,} submissions: {register}")
    plain, _ = median_run([kpcheck, "check", "--format", "json", str(new)], runs)
    via_register, a = median_run([kpcheck, "check", "--register", str(register), "--format", "json", str(new)], runs)
    via_files, b = median_run([kpcheck, "check", "--against", str(folder), "--format", "json", str(new)], runs)
    assert xref_of(a) == xref_of(b) and xref_of(a), "the register and the folder disagree"
    print(f"(a) desk check, median of {runs} processes:")
    print(f"    check (no history)              {plain * 1000:8.0f} ms")
    print(f"    check --register ({size:,})  {via_register * 1000:8.0f} ms")
    print(f"    check --against (100 files)     {via_files * 1000:8.0f} ms")
    print(f"    ratio register/against          {via_register / via_files:8.2f}")
    lookup_vs_files(register, folder, new)


def lookup_vs_files(register_path: Path | str, folder: Path, new: Path) -> None:
    """In one process: the register's look-up against reading the folder's keys."""
    key = key_of(parse_json(new.read_bytes(), str(new)).submission)
    register = Register.open(str(register_path), create=True)
    started = time.perf_counter()
    for _ in range(200):
        with register.reading() as conn:
            found = history_keys(conn, {key.number, key.original or ""})
    lookup = (time.perf_counter() - started) / 200
    started = time.perf_counter()
    for _ in range(200):
        quick = sqlite_history(str(register_path), {key.number, key.original or ""})
    quick_lookup = (time.perf_counter() - started) / 200 if quick is not None else None
    started = time.perf_counter()
    for _ in range(20):
        keys = [key_of(one.submission) for unit in plan_units([folder]) for one in loaded_of(unit)]
    reading = (time.perf_counter() - started) / 20
    print(
        f"    in-process: register look-up {lookup * 1000:.2f} ms ({len(found)} key(s)) vs reading "
        f"{len(keys)} files {reading * 1000:.1f} ms"
    )
    if quick_lookup is not None:
        print(f"    in-process: the desk's SQLite reader (no SQLAlchemy) {quick_lookup * 1000:.2f} ms")


def bench_import(size: int, kpcheck: str, postgresql: str | None) -> None:
    path = batch(size)
    target = OUT / f"import-{size}.sqlite"
    for old in OUT.glob(target.name + "*"):
        old.unlink()
    if postgresql:
        wipe(postgresql)
    imported, mb = timed([kpcheck, "register", "import", "--register", postgresql or str(target), str(path)])
    audited, amb = timed(
        [kpcheck, "audit", str(path), "--jobs", "1", "--fail-on", "never", "--format", f"json={OUT / f'audit-{size}-j1.json'}"]
    )
    print(f"(b) {size:,} submissions:")
    print(f"    register import   {imported:8.1f} s {size / imported:9,.0f}/s {mb:6} MB")
    print(f"    audit --jobs 1    {audited:8.1f} s {size / audited:9,.0f}/s {amb:6} MB")
    print(f"    import/audit speed {audited / imported:6.2f}x (target: at least 0.5x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--import-size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["desk", "import"])
    parser.add_argument("--postgresql", metavar="URL", help="A scratch PostgreSQL database to run against.")
    args = parser.parse_args()
    kpcheck = str(Path(sys.executable).with_name("kpcheck"))
    if args.only != "import":
        bench_desk(args.size, args.runs, kpcheck, args.postgresql)
    if args.only != "desk":
        bench_import(args.import_size, kpcheck, args.postgresql)


if __name__ == "__main__":
    main()
