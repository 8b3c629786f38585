"""The certificate register on SQLite and on a real PostgreSQL server: schema versions,
import, check/audit --register [--record], show, export, stats, and its failures (exit 2)."""

from __future__ import annotations

import json
import os
import re
import sqlite3

import pytest
from conftest import ROOT, base, kpcheck
from sqlalchemy import create_engine, text

from kpcheck.register import schema
from kpcheck.register.errors import RegisterError
from kpcheck.register.store import Register
from kpcheck.register.urls import database_url

FIXTURES = ROOT / "fixtures" / "submissions"


def write(path, doc):
    path.write_text(json.dumps(doc))
    return path


def report(result):
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def without_meta(doc):
    """The report without its identity, and with where the other submissions were read masked
    (XREF-01 names a file or the register's row, XREF-02 where it looked)."""
    doc = {k: v for k, v in doc.items() if k not in ("kpcheck", "rulebook", "registers", "provenance")}
    return json.loads(masked_sources(json.dumps(doc)))


def masked_sources(text):
    text = re.sub(r"\((\d{4}-\d{2}-\d{2}), [^)]*\)", r"(\1, SOURCE)", text)
    return re.sub(r"submissions searched \([^)]*\)", "submissions searched (SOURCES)", text)


def reused(tmp_path, name="new.json", **change):
    doc = base()
    doc.update({"id": "NEW-0001", **change})
    return write(tmp_path / name, doc)


def rules_of(result_doc):
    return [f["rule"] for f in result_doc["violations"]]


# ---- the same findings as --against -----------------------------------------------------------


def test_check_register_gives_the_findings_of_check_against(register_url, tmp_path):
    assert kpcheck("register", "import", "--register", register_url, FIXTURES).exit_code == 0
    new = reused(tmp_path)
    dup = base()
    dup.update(id="DUP-0001", duplicate={"original_number": "kz 000-123", "damaged_on": "2024-03-01", "returned_on": "2024-03-02"})
    dup["certificate"]["number"] = "KZ000999"
    dup_path = write(tmp_path / "dup.json", dup)
    via_register = report(kpcheck("check", "--register", register_url, "--format", "json", new, dup_path))
    via_files = report(kpcheck("check", "--against", FIXTURES, "--format", "json", new, dup_path))
    assert without_meta(via_register) == without_meta(via_files)
    assert "XREF-01" in rules_of(via_register["results"][0])
    message = via_register["results"][0]["violations"][-1]["message"]
    assert re.search(r"ALA-2024-0007 \(2024-03-04, (sqlite|postgresql)[^ ]*#1\)", message), message
    assert "ALA-2024-0007 (2024-03-04, " + str(FIXTURES) in via_files["results"][0]["violations"][-1]["message"]


def test_audit_register_uses_the_history_as_check_against_does(register_url, tmp_path):
    kpcheck("register", "import", "--register", register_url, FIXTURES)
    new, again = reused(tmp_path), reused(tmp_path, "again.json", id="NEW-0002")
    audited = report(kpcheck("audit", "--register", register_url, "--format", "json", "--jobs", "1", new, again))
    checked = report(kpcheck("check", "--against", FIXTURES, "--format", "json", new, again))

    def xref(doc):
        return [f for f in doc["violations"] if f["rule"] in ("XREF-01", "XREF-02")]

    assert masked_sources(json.dumps([xref(r) for r in audited["results"]])) == masked_sources(
        json.dumps([xref(r) for r in checked["results"]])
    )
    assert "2 other" in xref(audited["results"][0])[0]["message"]
    plain = kpcheck("audit", "--format", "json", "--jobs", "1", new)
    assert "XREF-01" not in plain.stdout


# ---- recording, show, export ------------------------------------------------------------------


def test_record_stores_submission_and_each_decision(register_url, tmp_path):
    new = reused(tmp_path)
    for _ in range(2):
        first = kpcheck("check", "--register", register_url, "--record", "--by", "desk 4", "--format", "json", new)
        assert "XREF-01" not in rules_of(report(first)["results"][0])  # the same submission is no reuse
    shown = json.loads(kpcheck("register", "show", "--register", register_url, "kz-000 123", "--format", "json").stdout)
    assert len(shown) == 1 and shown[0]["first_use"] is True
    assert [d["decided_by"] for d in shown[0]["decisions"]] == ["desk 4", "desk 4"]
    assert shown[0]["decisions"][0]["status"] == "compliant"
    other = reused(tmp_path, "other.json", id="NEW-0002")
    second = report(kpcheck("check", "--register", register_url, "--record", "--format", "json", other))
    assert "XREF-01" in rules_of(second["results"][0])
    text_view = kpcheck("register", "show", "--register", register_url, "KZ000123").stdout
    assert "NEW-0001" in text_view and "(first use)" in text_view and "XREF-01 (violation)" in text_view


def test_export_round_trip(register_url, tmp_path):
    assert kpcheck("register", "import", "--register", register_url, FIXTURES).exit_code == 0
    exported = tmp_path / "all.jsonl"
    assert kpcheck("register", "export", "--register", register_url, "-o", exported).exit_code == 0
    assert len(exported.read_text().splitlines()) == len(list(FIXTURES.glob("*.json")))
    again = tmp_path / "again.sqlite"
    result = kpcheck("register", "import", "--register", again, exported)
    assert result.exit_code == 0 and "42 stored" in result.stderr.replace("\n", " ")
    assert kpcheck("register", "export", "--register", again).stdout == exported.read_text()
    audited = kpcheck("audit", "--format", "json", "--jobs", "1", exported)
    direct = kpcheck("audit", "--format", "json", "--jobs", "1", FIXTURES)

    def statuses(result):
        return sorted(r["status"] for r in report(result)["results"])

    assert statuses(audited) == statuses(direct)


def test_import_is_idempotent_and_reports_the_unreadable(register_url, tmp_path):
    batch = tmp_path / "batch.jsonl"
    lines = [json.dumps(base()), "{not json", json.dumps({**base(), "id": "B-2"})]
    batch.write_text("\n".join(lines) + "\n")
    first = kpcheck("register", "import", "--register", register_url, batch)
    assert first.exit_code == 2
    assert f"{batch}:2" in first.stderr and "2 stored" in first.stderr.replace("\n", " ")
    second = kpcheck("register", "import", "--register", register_url, batch, FIXTURES / "compliant-export.json")
    assert "0 stored, 3 already" in second.stderr.replace("\n", " ")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_audit_record_stores_the_audits_decisions(register_url, tmp_path, jobs):
    kpcheck("register", "import", "--register", register_url, FIXTURES / "compliant-export.json")
    new = reused(tmp_path)
    result = kpcheck(
        "audit",
        "--register",
        register_url,
        "--record",
        "--by",
        "audit team",
        "--jobs",
        jobs,
        "--format",
        "json",
        new,
        FIXTURES / "compliant-import.json",
    )
    assert result.exit_code == 1, result.output
    shown = json.loads(kpcheck("register", "show", "--register", register_url, "KZ000123", "--format", "json").stdout)
    assert [e["submission_id"] for e in shown] == ["ALA-2024-0007", "NEW-0001"]
    decision = shown[1]["decisions"][0]
    assert decision["command"] == "audit" and decision["decided_by"] == "audit team"
    assert [f["rule"] for f in decision["findings"]] == ["XREF-01"]


def test_stats_from_the_register_equal_stats_from_the_files(register_url):
    kpcheck("register", "import", "--register", register_url, FIXTURES)
    from_register = kpcheck("stats", "--register", register_url, "--format", "json")
    from_files = kpcheck("stats", FIXTURES, "--format", "json")
    assert from_register.exit_code == 0, from_register.output
    assert from_register.stdout == from_files.stdout


# ---- schema versions --------------------------------------------------------------------------


def test_migrates_from_the_first_version_to_the_last(register_url):
    engine = create_engine(database_url(register_url))
    with engine.begin() as conn:
        schema.migrate(conn, target=1)
        conn.execute(
            text(
                "INSERT INTO submissions (sha256, submission_id, direction, number, raw_number, "
                "presented_on, id_hash, supersedes_hash, duplicate_request, source, added_at, canonical) "
                "VALUES ('aa', 'OLD-1', 'export', 'KZ1', 'KZ1', '2020-01-02', 5, 0, false, 'old', "
                "'2020-01-02 10:00:00', '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO decisions (submission, decided_at, command, status, kpcheck, "
                "rulebook_version, rulebook_sha256, registers_sha256, engine) VALUES "
                "(1, '2020-01-02 10:00:00', 'check', 'compliant', '0.1.0', 'v', 'r', 'g', 'python')"
            )
        )
    engine.dispose()
    register = Register.open(register_url, create=True)
    with register.reading() as conn:
        assert schema.current_version(conn) == schema.VERSION
        row = conn.execute(
            text("SELECT submission_id, decided_by FROM decisions JOIN submissions ON submissions.pk = decisions.submission")
        ).one()
        assert tuple(row) == ("OLD-1", None)
    with pytest.raises(Exception, match="append-only"):
        register.write(lambda conn: conn.execute(text("DELETE FROM decisions")))
    register.close()


def test_a_newer_schema_is_a_clear_error(register_url, tmp_path):
    Register.open(register_url, create=True).close()
    engine = create_engine(database_url(register_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE kpcheck_schema SET version = 99"))
    engine.dispose()
    result = kpcheck("check", "--register", register_url, reused(tmp_path))
    assert result.exit_code == 2
    assert "schema version 99" in result.stderr and "Traceback" not in result.output
    with pytest.raises(RegisterError) as raised:
        Register.open(register_url, create=True)
    assert raised.value.code == "REG004"


# ---- failures: exit 2, never a silent skip ----------------------------------------------------


def test_record_needs_a_register(tmp_path):
    result = kpcheck("check", "--record", reused(tmp_path))
    assert result.exit_code == 2 and "--record needs a register" in result.output


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://x@localhost/db", "unsupported register URL scheme"),
        ("sqlite://", "in memory would keep nothing"),
        ("/no/such/folder/r.sqlite", "does not exist"),
    ],
)
def test_unusable_register_urls(tmp_path, url, message):
    result = kpcheck("check", "--register", url, reused(tmp_path))
    assert result.exit_code == 2 and message in result.stderr and "nothing was checked" in result.stderr


def test_an_unreachable_postgresql_server_is_exit_2(tmp_path):
    from pg_server import free_port

    if os.environ.get("CI") != "true":
        pytest.importorskip("psycopg")
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/kpcheck"
    result = kpcheck("check", "--register", url, reused(tmp_path))
    assert result.exit_code == 2, result.output
    assert "cannot reach the register" in result.stderr and "nothing was checked" in result.stderr
    assert isinstance(result.exception, SystemExit)  # an exit, not a traceback


def test_a_locked_sqlite_register_times_out_with_exit_2(tmp_path):
    path = tmp_path / "r.sqlite"
    Register.open(str(path), create=True).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = kpcheck("check", "--register", path, "--record", reused(tmp_path), env={"KPCHECK_REGISTER_TIMEOUT": "0.5"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2 and "locked by another desk" in result.stderr, result.output


def test_a_locked_postgresql_register_times_out_with_exit_2(postgres_server, tmp_path):
    import psycopg

    from kpcheck.register.store import LOCK_KEY

    url = postgres_server.create_database("kpcheck_locked")
    Register.open(url, create=True).close()
    with psycopg.connect(f"host=127.0.0.1 port={postgres_server.port} user=postgres dbname=kpcheck_locked") as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        result = kpcheck("check", "--register", url, "--record", reused(tmp_path), env={"KPCHECK_REGISTER_TIMEOUT": "1"})
    assert result.exit_code == 2 and "locked by another desk" in result.stderr, result.output


def test_history_lookups_use_the_index(register_url):
    from kpcheck.register.store import history_query

    register = Register.open(register_url, create=True)
    query = history_query(["KZ000123", "KZ000124"])
    with register.reading() as conn:
        if register.dialect == "postgresql":
            conn.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN" if register.dialect == "sqlite" else "EXPLAIN"
        plan = " ".join(str(row) for row in conn.execute(text(f"{explain} {compiled}")))
    register.close()
    assert "ix_submissions_number" in plan, plan


def test_the_default_register_is_in_the_users_data_folder(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    result = kpcheck("register", "import", FIXTURES / "compliant-export.json", env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "kpcheck" / "register.sqlite").is_file()
    checked = kpcheck("check", "--register", "default", "--format", "json", reused(tmp_path), env=env)
    assert "XREF-01" in rules_of(report(checked)["results"][0])


def test_register_and_desk_from_the_environment(tmp_path):
    env = {"KPCHECK_REGISTER": str(tmp_path / "env.sqlite"), "KPCHECK_BY": "desk 9"}
    assert kpcheck("check", "--record", reused(tmp_path), env=env).exit_code == 0
    shown = json.loads(kpcheck("register", "show", "KZ000123", "--format", "json", env=env).stdout)
    assert shown[0]["decisions"][0]["decided_by"] == "desk 9"


def test_show_of_an_unknown_number_and_stats_without_sources(tmp_path):
    url = tmp_path / "r.sqlite"
    assert kpcheck("register", "init", url).exit_code == 0
    result = kpcheck("register", "show", "--register", url, "KZ404")
    assert result.exit_code == 2 and "is not in the register" in result.stderr
    assert kpcheck("stats").exit_code == 2


def test_a_file_that_is_no_database_is_exit_2(tmp_path):
    not_db = tmp_path / "notes.sqlite"
    not_db.write_text("these are notes, not a database\n" * 100)
    result = kpcheck("check", "--register", not_db, reused(tmp_path))
    assert result.exit_code == 2 and "not a database" in result.stderr and "nothing was checked" in result.stderr


def test_a_recorded_decision_keeps_its_waivers_and_identity(tmp_path):
    url = tmp_path / "r.sqlite"
    kpcheck("register", "import", "--register", url, FIXTURES / "compliant-export.json")
    waivers = tmp_path / "w.yaml"
    waivers.write_text(
        "waivers:\n  - submission: NEW-0001\n    rule: XREF-01\n    reason: re-presented by order\n"
        "    granted_by: Order No 1 (test)\n    expires_on: 2030-12-31\n"
    )
    result = kpcheck(
        "check", "--register", url, "--record", "--waivers", waivers, "--engine", "python", "--format", "json", reused(tmp_path)
    )
    assert result.exit_code == 0, result.output
    meta = report(result)
    shown = json.loads(kpcheck("register", "show", "--register", url, "KZ000123", "--format", "json").stdout)
    decision = shown[1]["decisions"][0]
    assert decision["waivers_sha256"] == meta["waivers"]["sha256"]
    assert decision["rulebook_sha256"] == meta["rulebook"]["sha256"]
    assert decision["registers_sha256"] == meta["registers"]["sha256"]
    assert decision["engine"] == "python" and decision["kpcheck"] == meta["kpcheck"]
    (finding,) = decision["findings"]
    assert finding["rule"] == "XREF-01" and finding["waived"]["granted_by"] == "Order No 1 (test)"
    assert finding["fields"] == ["certificate.number"]
