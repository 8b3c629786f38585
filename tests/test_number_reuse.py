"""A certificate number reused behind any invisible, format, dash, fullwidth or other-script
character, or under the same id with other content, gets XREF-01 in ``audit``,
``check --against`` and ``check --register``, naming the other submission (id, date, where it
was read); the register stores the one key and ``register show`` finds it by any variant."""

from __future__ import annotations

import json
import re

import pytest
from conftest import base, kpcheck

from kpcheck.input.text import normalise_number

VARIANTS = {
    "zero-width-space": "KZ\u200b000123",
    "soft-hyphen": "KZ\u00ad000123",
    "byte-order-mark": "\ufeffKZ000123",
    "trailing-newline": "KZ000123\n",
    "trailing-dot": "KZ000123.",
    "fullwidth": "\uff2b\uff3a\uff10\uff10\uff10\uff11\uff12\uff13",
    "arabic-indic-digits": "KZ\u0660\u0660\u0660\u0661\u0662\u0663",
    "persian-digits": "KZ\u06f0\u06f0\u06f0\u06f1\u06f2\u06f3",
    "devanagari-digits": "KZ\u0966\u0966\u0966\u0967\u0968\u0969",
    "lower-case": "kz000123",
    "spaces-around": " KZ000123 ",
    "hyphens": "KZ-000-123",
    "non-breaking-hyphen": "KZ\u2011000123",
    "en-dash": "KZ\u2013000123",
    "em-dash": "KZ\u2014000123",
    "minus-sign": "KZ\u2212000123",
    "fullwidth-hyphen": "KZ\uff0d000123",
    "no-break-space": "KZ\u00a0000123",
    "thin-space": "KZ\u2009000123",
    "ideographic-space": "KZ\u3000000123",
    "zero-width-non-joiner": "KZ\u200c000123",
    "zero-width-joiner": "KZ\u200d000123",
    "word-joiner": "KZ\u2060000123",
    "left-to-right-mark": "KZ\u200e000123",
    "right-to-left-embedding": "\u202bKZ000123\u202c",
    "tab": "KZ000123\t",
    "crlf": "KZ000123\r\n",
    "combining-mark": "KZ000123\u0301",
}
assert len(VARIANTS) == 28


def report(result):
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def xref_01(result_doc):
    found = [f for f in result_doc["violations"] if f["rule"] == "XREF-01"]
    return found[0]["message"] if found else None


@pytest.fixture
def files(tmp_path):
    """The original (ALA-2024-0007, KZ000123) in past/, each variant under an id of its own in
    new/, and the same id as the original with other content (presented a day later)."""
    past, new = tmp_path / "past", tmp_path / "new"
    past.mkdir()
    new.mkdir()
    (past / "original.json").write_text(json.dumps(base()), encoding="utf-8")
    for n, (name, number) in enumerate(VARIANTS.items()):
        doc = base()
        doc["id"] = f"REUSE-{n:02d}"
        doc["certificate"]["number"] = number
        (new / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    same_id = base()
    same_id["presented_on"] = "2024-03-05"
    same_id["state_control_act"]["number"] = "ASC-ALA-2024-0032"
    (new / "same-id-other-content.json").write_text(json.dumps(same_id), encoding="utf-8")
    return past, new


def test_every_variant_has_the_one_key():
    assert {normalise_number(v) for v in VARIANTS.values()} == {"KZ000123"}


def test_audit_finds_every_variant_and_names_the_original(files):
    past, new = files
    doc = report(kpcheck("audit", "--engine", "python", "--jobs", "1", "--format", "json", past, new))
    by_source = {r["source"]: r for r in doc["results"]}
    original = by_source[str(past / "original.json")]
    assert xref_01(original) is not None and "29 other" in xref_01(original)  # 28 variants and the same id with other content
    for name in [*VARIANTS, "same-id-other-content"]:
        message = xref_01(by_source[str(new / f"{name}.json")])
        assert message is not None, name
        assert f"ALA-2024-0007 (2024-03-04, {past / 'original.json'})" in message, (name, message)


def test_audit_with_two_jobs_names_the_others_too(files):
    past, new = files
    doc = report(kpcheck("audit", "--engine", "python", "--jobs", "2", "--format", "json", past, new))
    assert all(xref_01(r) and "ALA-2024-0007 (2024-03-04, " in xref_01(r) for r in doc["results"][1:])


def test_check_against_finds_every_variant(files):
    past, new = files
    doc = report(kpcheck("check", "--engine", "python", "--against", past, "--format", "json", new))
    assert len(doc["results"]) == 29
    for result in doc["results"]:
        message = xref_01(result)
        assert message is not None, result["source"]
        assert f"ALA-2024-0007 (2024-03-04, {past / 'original.json'})" in message


@pytest.mark.parametrize("record_first", [False, True], ids=["imported", "recorded"])
def test_check_register_finds_every_variant_and_names_the_register_row(files, tmp_path, record_first):
    past, new = files
    register = tmp_path / "register.sqlite"
    if record_first:  # stored with a decision: the message names it
        assert kpcheck("check", "--engine", "python", "--register", register, "--record", past / "original.json").exit_code == 0
    else:
        assert kpcheck("register", "import", "--register", register, past).exit_code == 0
    doc = report(kpcheck("check", "--engine", "python", "--register", register, "--format", "json", new))
    decision = r": compliant \d{4}-\d{2}-\d{2}" if record_first else ""
    for result in doc["results"]:
        message = xref_01(result)
        assert message is not None, result["source"]
        assert re.search(rf"ALA-2024-0007 \(2024-03-04, sqlite:///[^ ]*register\.sqlite#1{decision}\)", message), message


def test_the_register_stores_the_one_key_and_show_finds_it_by_any_variant(files, tmp_path):
    _, new = files
    register = tmp_path / "register.sqlite"
    outcome = kpcheck("check", "--engine", "python", "--register", register, "--record", new / "zero-width-space.json")
    assert outcome.exit_code == 0, outcome.output
    import sqlite3

    with sqlite3.connect(register) as conn:
        assert conn.execute("SELECT number, raw_number FROM submissions").fetchall() == [("KZ000123", "KZ\u200b000123")]
    for number in VARIANTS.values():
        shown = kpcheck("register", "show", "--register", register, "--format", "json", number)
        assert shown.exit_code == 0, (number, shown.output)
        assert json.loads(shown.stdout)[0]["submission_id"] == "REUSE-00"


def test_the_same_submission_read_twice_is_not_a_reuse(files, tmp_path):
    past, _ = files
    again = tmp_path / "again"
    again.mkdir()
    (again / "copy.json").write_text((past / "original.json").read_text(), encoding="utf-8")
    doc = report(kpcheck("audit", "--engine", "python", "--jobs", "1", "--format", "json", past, again))
    assert [xref_01(r) for r in doc["results"]] == [None, None]
    register = tmp_path / "register.sqlite"
    kpcheck("check", "--engine", "python", "--register", register, "--record", past / "original.json")
    doc = report(kpcheck("check", "--engine", "python", "--register", register, "--format", "json", again / "copy.json"))
    assert xref_01(doc["results"][0]) is None


def test_a_register_keyed_the_old_way_is_re_keyed_on_open(tmp_path):
    """Schema 5: numbers (of submissions and events) stored under the old normalisation are
    re-keyed on open, and each stored submission gets its content hash."""
    from sqlalchemy import create_engine, text

    from kpcheck.batch.xref import content_hash
    from kpcheck.input.reader import parse_data
    from kpcheck.register import schema
    from kpcheck.register.rows import canonical
    from kpcheck.register.store import Register
    from kpcheck.register.urls import database_url

    path = tmp_path / "old.sqlite"
    doc = base()
    doc["certificate"]["number"] = "KZ\u200b000123."
    sub = parse_data(doc, "<data>").submission
    engine = create_engine(database_url(str(path)))
    with engine.begin() as conn:
        schema.migrate(conn, target=4)
        conn.execute(
            text(
                "INSERT INTO submissions (sha256, submission_id, direction, number, raw_number, presented_on, id_hash, "
                "supersedes_hash, duplicate_request, source, added_at, canonical) VALUES ('aa', 'ALA-2024-0007', 'export', "
                ":old, :raw, '2024-03-04', 5, 0, false, 'old.json', '2024-03-04 10:00:00', :doc)"
            ),
            {"old": "KZ\u200b000123.", "raw": "KZ\u200b000123.", "doc": canonical(sub)},
        )
        conn.execute(
            text(
                "INSERT INTO events (direction, number, submission, kind, occurred_on, recorded_at) "
                "VALUES ('export', :old, 1, 'damaged', '2024-03-06', '2024-03-06 10:00:00')"
            ),
            {"old": "KZ\u200b000123."},
        )
    engine.dispose()
    Register.open(str(path)).close()
    import sqlite3

    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM kpcheck_schema").fetchone() == (schema.VERSION,)
        assert conn.execute("SELECT number, content_hash FROM submissions").fetchone() == ("KZ000123", content_hash(sub))
        assert conn.execute("SELECT number FROM events").fetchone() == ("KZ000123",)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE events SET number = 'X'")  # the trigger is back
    shown = kpcheck("register", "show", "--register", path, "--format", "json", "kz-000123")
    assert shown.exit_code == 0 and json.loads(shown.stdout)[0]["submission_id"] == "ALA-2024-0007"


@pytest.mark.parametrize("lang, words", [("en", "also carried by 1 other"), ("ru", "Номер сертификата"), ("kk", "сертификат нөмірі")])
def test_the_api_names_the_other_submission_in_every_language(tmp_path, lang, words):
    """The desk's API with a register: XREF-01 names the recorded submission (id, date, the
    register's row and the decision on it) in the asked language."""
    from starlette.testclient import TestClient

    from kpcheck.api import Checker
    from kpcheck.register.store import Register
    from kpcheck.serve.app import create_app
    from kpcheck.serve.service import CheckService
    from kpcheck.serve.settings import Settings

    url = tmp_path / "register.sqlite"
    assert kpcheck("register", "init", "--register", url).exit_code == 0
    reused = base()
    reused["id"] = "ALA-2024-0500"
    reused["certificate"]["number"] = "KZ\u200b000123"
    svc = CheckService(Checker.load(engine="python"), register=Register.open(str(url)))
    try:
        with TestClient(create_app(svc, Settings()), base_url="http://127.0.0.1") as client:
            first = client.post("/api/v1/check?record=true", content=json.dumps(base()).encode())
            assert first.status_code == 200
            again = client.post(f"/api/v1/check?lang={lang}", content=json.dumps(reused).encode())
    finally:
        svc.close()
    message = xref_01(again.json()["results"][0])
    assert message is not None and words in message, message
    # the decision's status in the asked language: compliant, соответствует, сәйкес
    assert re.search(r"ALA-2024-0007 \(2024-03-04, sqlite:///[^ ]*register\.sqlite#1: \w+ \d{4}-\d{2}-\d{2}\)", message), message


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_check_against_names_the_other_submission_in_every_language(files, lang):
    past, new = files
    doc = report(kpcheck("check", "--engine", "python", "--lang", lang, "--against", past, "--format", "json", new / "soft-hyphen.json"))
    message = xref_01(doc["results"][0])
    assert f"ALA-2024-0007 (2024-03-04, {past / 'original.json'})" in message
    assert "Certificate number" not in message  # the rule's own text is translated


def test_xref_02_names_where_it_looked(files, tmp_path):
    past, _ = files
    dup = base()
    dup.update(id="DUP-9", duplicate={"original_number": "KZ000999", "damaged_on": "2024-03-01", "returned_on": "2024-03-04"})
    dup["certificate"]["number"] = "KZ000200"
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(dup), encoding="utf-8")
    doc = report(kpcheck("check", "--engine", "python", "--against", past, "--format", "json", path))
    (finding,) = [f for f in doc["results"][0]["violations"] if f["rule"] == "XREF-02"]
    assert f"not among the submissions searched ({path}, {past})" in finding["message"]
    register = tmp_path / "register.sqlite"
    assert kpcheck("register", "import", "--register", register, past).exit_code == 0
    doc = report(kpcheck("check", "--engine", "python", "--register", register, "--format", "json", path))
    (finding,) = [f for f in doc["results"][0]["violations"] if f["rule"] == "XREF-02"]
    assert f"(sqlite:///{register}, {path})" in finding["message"]


def test_the_api_refuses_a_repeated_key(tmp_path):
    from starlette.testclient import TestClient

    from kpcheck.api import Checker
    from kpcheck.serve.app import create_app
    from kpcheck.serve.service import CheckService
    from kpcheck.serve.settings import Settings

    body = json.dumps(base()).replace('"direction": "export"', '"direction": "export", "direction": "import"')
    svc = CheckService(Checker.load(engine="python"))
    try:
        with TestClient(create_app(svc, Settings()), base_url="http://127.0.0.1") as client:
            answer = client.post("/api/v1/check", content=body.encode())
    finally:
        svc.close()
    assert answer.status_code == 422
    result = answer.json()["results"][0]
    assert result["status"] == "error" and "'direction' is repeated" in result["error"]["message"]
    assert result["error"]["location"].endswith(": direction")
