"""The second round's fault cases (issue 25) for tools/hostile.py: the register, signals and
spools, the terminal, special inputs, settings and data files, each tried as an attacker or
an unlucky operator would, through real ``kpcheck`` processes.

Each case returns None when kpcheck behaved (the exit code of the contract, a clear message,
nothing left behind, nothing lost or doubled) or a line saying what went wrong. Cases that
need root (a read-only or full filesystem through ``unshare``) are left out elsewhere and
counted as such.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "rules" / "bases" / "compliant-export.json"
RAW = ("\x1b", "\x07", "\u202e", "\u2066")
Case = Callable[[Path, dict[str, str]], "str | None"]


def kpcheck(args: list[str], env: dict[str, str], stdin: bytes | None = None, timeout: float = 300) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "kpcheck", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    return done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")


def _clean(code: int, err: str, expected: int = 2) -> str | None:
    if "Traceback" in err or "internal error" in err:
        return f"traceback or internal error: {err[-300:]}"
    if code != expected:
        return f"exit {code}, expected {expected}: {err[-300:]}"
    return None


def _batch(work: Path, count: int) -> Path:
    sys.path.insert(0, str(ROOT / "tools"))
    from generate import generate

    path = work / f"batch{count}.jsonl"
    if not path.exists():
        with path.open("w", encoding="utf-8") as out:
            for doc in generate(count, 0.1, 5):
                out.write(json.dumps(doc) + "\n")
    return path


# ---- the register ----------------------------------------------------------------------------


def register_typo(work: Path, env: dict[str, str]) -> str | None:
    typo = work / "goood.sqlite"
    for args in (["check", str(BASE)], ["register", "show", "KZ1"], ["stats"], ["audit", str(BASE), "--jobs", "1"]):
        code, _, err = kpcheck([*args, "--register", str(typo)], env)
        problem = _clean(code, err) or (None if str(typo) in err else "the message does not name the register")
        if problem or typo.exists():
            return f"{args[0]}: {problem or 'a register was created'}"
    return None


def register_in_memory(work: Path, env: dict[str, str]) -> str | None:
    for url in ("sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite:///x?mode=memory"):
        code, _, err = kpcheck(["register", "import", str(BASE), "--register", url], env)
        if _clean(code, err) or "in memory" not in err:
            return f"{url}: {_clean(code, err) or err[-200:]}"
    return None


def register_foreign(work: Path, env: dict[str, str]) -> str | None:
    other = work / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS accounts (id INTEGER)")
    conn.close()
    before = other.read_bytes()
    for extra in ([], ["--record"]):
        code, _, err = kpcheck(["check", str(BASE), "--register", str(other), *extra], env)
        if _clean(code, err) or other.read_bytes() != before:
            return f"check {' '.join(extra)}: {_clean(code, err) or 'the database was changed'}"
    return None


def register_export_over_itself(work: Path, env: dict[str, str]) -> str | None:
    reg = work / "own.sqlite"
    kpcheck(["register", "import", str(BASE), "--register", str(reg)], env)
    code, _, err = kpcheck(["register", "export", "--register", str(reg), "-o", str(reg)], env)
    after = kpcheck(["register", "export", "--register", str(reg)], env)[1]
    return _clean(code, err) or (None if after.count("\n") == 1 else "the register lost its submissions")


def register_damaged_settings(work: Path, env: dict[str, str]) -> str | None:
    reg = work / "damaged.sqlite"
    kpcheck(["register", "init", str(reg)], env)
    for value in ("'abc'", "0", "-1"):
        with sqlite3.connect(reg) as conn:
            conn.execute(f"UPDATE kpcheck_schema SET version = {value}")
        conn.close()
        problem = _clean(*kpcheck(["check", str(BASE), "--register", str(reg)], env)[::2])
        if problem:
            return f"version {value}: {problem}"
    for name, value in (("KPCHECK_REGISTER_TIMEOUT", "nan"), ("KPCHECK_REGISTER_TIMEOUT", "inf"), ("KPCHECK_DATA_DIR", str(BASE))):
        problem = _clean(*kpcheck(["check", str(BASE), "--register", "default"], {**env, name: value})[::2])
        if problem:
            return f"{name}={value}: {problem}"
    problem = _clean(*kpcheck(["check", str(BASE), "--register", "postgresql://u@[::1/db"], env)[::2])
    return f"malformed IPv6 URL: {problem}" if problem else None


def audit_record_killed(work: Path, env: dict[str, str]) -> str | None:
    batch, reg = _batch(work, 3000), work / "killed.sqlite"
    args = [
        sys.executable,
        "-m",
        "kpcheck",
        "audit",
        "--record",
        "--register",
        str(reg),
        "--jobs",
        "1",
        "--engine",
        "python",
        "-q",
        str(batch),
    ]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(f"file:{reg}?mode=ro", uri=True) as conn:
                if conn.execute("SELECT count(*) FROM decisions").fetchone()[0]:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    code, _, err = kpcheck(["audit", "--record", "--register", str(reg), "--jobs", "2", "--engine", "python", "-q", str(batch)], env)
    if code not in (0, 1):
        return f"the second run: exit {code}: {err[-300:]}"
    with sqlite3.connect(reg) as conn:
        per = {n for (n,) in conn.execute("SELECT count(*) FROM decisions GROUP BY submission")}
        undecided = conn.execute(
            "SELECT count(*) FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.submission = s.pk)"
        )
        left = undecided.fetchone()[0]
    return None if per == {1} and left == 0 else f"decisions per submission {per}, {left} undecided"


# ---- signals, pools and disks ------------------------------------------------------------------


def _family(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError):
                continue
    return out


def _signal_case(sig: signal.Signals) -> Case:
    def case(work: Path, env: dict[str, str]) -> str | None:
        if not sys.platform.startswith("linux"):
            return None
        spool = work / f"tmp-{sig.name}"
        spool.mkdir(exist_ok=True)
        batch = _batch(work, 6000)
        args = [sys.executable, "-m", "kpcheck", "audit", str(batch), "--jobs", "2", "-q", "--engine", "python"]
        proc = subprocess.Popen(args, env={**env, "TMPDIR": str(spool)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (len(_family(proc.pid)) >= 3 and any(spool.rglob("*.pickle"))):
            time.sleep(0.05)
        family = _family(proc.pid)
        proc.send_signal(sig)
        code = proc.wait(60)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        time.sleep(5)
        alive = [
            pid for pid in family if os.path.exists(f"/proc/{pid}") and "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]
        ]
        left = [p for p in spool.rglob("*") if p.is_file() or p.name.startswith("audit-")]
        if alive or left:
            return f"{len(alive)} process(es) and {len(left)} spool file(s) left"
        if sig != signal.SIGKILL and (code != 2 or "Traceback" in err or len(err.strip().splitlines()) != 1):
            return f"exit {code}: {err[-300:]}"
        return None

    return case


def jobs_bound(work: Path, env: dict[str, str]) -> str | None:
    code, out, err = kpcheck(["audit", str(BASE)], {**env, "KPCHECK_JOBS": "100000"}, timeout=60)
    return _clean(code, out + err) or (None if "--jobs" in err else "the message does not name --jobs")


def _unshare(script: str) -> subprocess.CompletedProcess[str] | None:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300)
    return None if done.returncode == 77 else done


def full_tmpdir(work: Path, env: dict[str, str]) -> str | None:
    small = work / "small"
    small.mkdir(exist_ok=True)
    batch = _batch(work, 1500)
    done = _unshare(f"mount -t tmpfs -o size=256k tmpfs {small} || exit 77; TMPDIR={small} {sys.executable} -m kpcheck audit {batch} -q")
    if done is None:
        return None
    return _clean(done.returncode, done.stderr) or (None if "No space left" in done.stderr else done.stderr[-300:])


def export_to_full_disk(work: Path, env: dict[str, str]) -> str | None:
    small = work / "tiny"
    small.mkdir(exist_ok=True)
    mount = f"mount -t tmpfs -o size=64k tmpfs {small} || exit 77; "
    done = _unshare(mount + f"{sys.executable} -m kpcheck rules export {small}/rb; echo code=$?; ls -A {small}")
    if done is None:
        return None
    return None if done.stdout.strip() == "code=2" and "No space left" in done.stderr else f"{done.stdout[-200:]} {done.stderr[-200:]}"


# ---- the terminal, inputs, settings, data files -------------------------------------------------


def escapes(work: Path, env: dict[str, str]) -> str | None:
    doc = json.loads(BASE.read_text(encoding="utf-8"))
    doc["id"] = "EVIL\x1b[2J\x1b]0;pwned\x07\u202eTXT\u2066"
    path = work / "evil\x1b[31m.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    for args in (["check", str(path)], ["audit", str(path), "--jobs", "1", "-v"], ["audit", str(path), "--jobs", "1", "--format", "csv"]):
        _, out, err = kpcheck(args, env)
        if any(ch in out + err for ch in RAW):
            return f"{args[0]}: raw control characters reached the terminal"
    return None


def special_inputs(work: Path, env: dict[str, str]) -> str | None:
    folder = work / "specials"
    folder.mkdir(exist_ok=True)
    (folder / "a.json").write_bytes(BASE.read_bytes())
    link, fifo = folder / "dangling.json", folder / "fifo.json"
    if not link.is_symlink():
        link.symlink_to(work / "nowhere.json")
    if not fifo.exists():
        os.mkfifo(fifo)
    code, _, err = kpcheck(["audit", str(folder), "--jobs", "1", "-q"], env)
    if _clean(code, err) or "link to nothing" not in err or "named pipe" not in err:
        return f"folder: {_clean(code, err) or err[-300:]}"
    code, _, err = kpcheck(["check", "/dev/zero"], env)
    if _clean(code, err) or "not a file" not in err:
        return f"/dev/zero: {_clean(code, err) or err[-200:]}"
    code, _, err = kpcheck(["check", "-"], {**env, "KPCHECK_MAX_SIZE": "1M"}, stdin=b"{" + b" " * (2 << 20))
    return _clean(code, err) or (None if "more than 1 MiB" in err else f"stdin: {err[-200:]}")


def encodings(work: Path, env: dict[str, str]) -> str | None:
    text = BASE.read_text(encoding="utf-8")
    for encoding in ("utf-8-sig", "utf-16", "utf-32"):
        path = work / f"enc-{encoding}.yaml"
        path.write_bytes(text.encode(encoding))
        code, _, err = kpcheck(["check", str(path), "-q"], env)
        if code != 0:
            return f"{encoding}: exit {code}: {err[-200:]}"
    bad = work / "bad.jsonl"
    bad.write_text('{"a": }\n{"b": }\n', encoding="utf-8")
    _, _, err = kpcheck(["check", str(bad), "-q"], env)
    return None if f"{bad}:1:7:" in err and f"{bad}:2:7:" in err else f"JSON Lines locations: {err[-300:]}"


def settings(work: Path, env: dict[str, str]) -> str | None:
    folder = work / "settings"
    folder.mkdir(exist_ok=True)
    for toml in ("quiet = 1\n", "rules = 5\n", 'fial-on = "warning"\n', "[audti]\nquiet = true\n"):
        (folder / "kpcheck.toml").write_text(toml, encoding="utf-8")
        for args in (["check", str(BASE)], ["rules", "lint"]):
            done = subprocess.run(
                [sys.executable, "-m", "kpcheck", *args],
                cwd=folder,
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                stdin=subprocess.DEVNULL,
            )
            problem = _clean(done.returncode, done.stderr)
            if problem or "kpcheck.toml:" not in done.stderr:
                return f"{toml.strip()} ({args[0]}): {problem or done.stderr[-200:]}"
    return None


def production(work: Path, env: dict[str, str]) -> str | None:
    path = work / "prod.csv"
    fixtures = str(ROOT / "fixtures" / "submissions")
    for carats, expected, code_wanted in (("100,5", "2024,100.50,", 0), ("1,000", None, 2), ("1e30", None, 2)):
        path.write_text(f'year,carats,value\n2024,"{carats}",5\n', encoding="utf-8")
        code, out, err = kpcheck(["stats", fixtures, "--production", str(path), "--format", "csv", "--from", "2024", "--to", "2024"], env)
        if _clean(code, err, code_wanted) or (expected and expected not in out) or (code_wanted == 2 and out):
            return f"{carats}: {_clean(code, err, code_wanted) or out[:200]}"
    return None


def huge_waivers(work: Path, env: dict[str, str]) -> str | None:
    entry = (
        '  - certificate: "KZ{n:06d}"\n    rule: FORM-14\n    reason: "rounding"\n    granted_by: "order 45"\n    expires_on: 2025-03-01\n'
    )
    path = work / "waivers.yaml"
    path.write_text("waivers:\n" + "".join(entry.format(n=i) for i in range(16500)), encoding="utf-8")
    started = time.monotonic()
    code, _, err = kpcheck(["check", str(BASE), "--waivers", str(path)], env)
    took = time.monotonic() - started
    return _clean(code, err) or ("aliases" in err and "a false 'aliases' message") or (took > 15 and f"took {took:.0f} s") or None


CASES: dict[str, Case] = {
    "register: a misspelt register creates nothing": register_typo,
    "register: every in-memory form refused": register_in_memory,
    "register: another application's database untouched": register_foreign,
    "register: export over the register refused": register_export_over_itself,
    "register: damaged version, timeouts, data folder, IPv6 URL": register_damaged_settings,
    "register: audit --record killed, run again: one decision each": audit_record_killed,
    "signals: SIGHUP of audit --jobs 2": _signal_case(signal.SIGHUP),
    "signals: SIGKILL of audit --jobs 2": _signal_case(signal.SIGKILL),
    "signals: SIGQUIT of audit --jobs 2": _signal_case(signal.SIGQUIT),
    "pools: KPCHECK_JOBS=100000 refused": jobs_bound,
    "disks: a full TMPDIR": full_tmpdir,
    "disks: rules export to a full disk": export_to_full_disk,
    "terminal: escape sequences shown escaped": escapes,
    "inputs: dangling link, FIFO, device, endless standard input": special_inputs,
    "inputs: byte-order marks, UTF-16/32, JSON Lines locations": encodings,
    "settings: wrong types, unknown keys and tables": settings,
    "data files: decimal comma, ambiguous comma, huge values": production,
    "data files: a 16,500-entry waiver file": huge_waivers,
}


def run_cases(work: Path, env: dict[str, str], only: list[str] | None = None) -> dict[str, str | None]:
    """Every case (or those whose name contains one of ``only``): name -> None or the failure."""
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, str | None] = {}
    for name, case in CASES.items():
        if only and not any(word in name for word in only):
            continue
        try:
            out[name] = case(work, env)
        except Exception as exc:  # the harness reports its own failure as the case's
            out[name] = f"the case itself failed: {type(exc).__name__}: {exc}"
        print(f"fault case: {name}: {'ok' if out[name] is None else out[name]}", flush=True)
    return out
