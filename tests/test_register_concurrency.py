"""Eight desks, eight real processes, one new certificate number recorded at the same moment:
exactly one first use, every other one told of the earlier ones; no decision lost or doubled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import base

from kpcheck.register.store import Register, count

DESKS = 8


def kpcheck_command() -> list[str]:
    script = Path(sys.executable).with_name("kpcheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kpcheck.cli.main"]


def test_eight_desks_record_one_new_number_at_once(register_url, tmp_path):
    files = []
    for i in range(DESKS):
        doc = base()
        doc["id"] = f"DESK-{i}"
        doc["certificate"]["number"] = "KZ 777-001"
        files.append(tmp_path / f"desk-{i}.json")
        files[-1].write_text(json.dumps(doc))
    env = {**os.environ, "KPCHECK_REGISTER_TIMEOUT": "60"}
    desks = [
        subprocess.Popen(
            [*kpcheck_command(), "check", "--register", register_url, "--record", "--by", f"desk {i}", "--format", "json", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i, path in enumerate(files)
    ]
    outcomes = [desk.communicate(timeout=300) for desk in desks]
    assert all("Traceback" not in err for _, err in outcomes), outcomes
    assert all(desk.returncode in (0, 1) for desk in desks), outcomes
    reuses, first_uses = [], 0
    for out, _ in outcomes:
        (result,) = json.loads(out)["results"]
        found = [f["message"] for f in result["violations"] if f["rule"] == "XREF-01"]
        reuses += found
        first_uses += not found
    assert first_uses == 1
    # the k-th desk to record sees the k-1 before it: each count once, none lost or doubled
    seen = sorted(int(m.split("also carried by ")[1].split()[0]) for m in reuses)
    assert seen == list(range(1, DESKS))
    register = Register.open(register_url, create=True)
    with register.reading() as conn:
        assert count(conn) == DESKS
        from sqlalchemy import func, select

        from kpcheck.register.schema import decisions

        assert conn.execute(select(func.count()).select_from(decisions)).scalar_one() == DESKS
    register.close()
