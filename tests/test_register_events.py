"""Register events (damaged, duplicate-issued, coupon-sent, receipt-confirmed) and the open items
of ``register due``, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil

import pytest
from conftest import ROOT, base, kpcheck
from sqlalchemy import text

from kpcheck.api import Checker
from kpcheck.register.periods import duplicate_days
from kpcheck.register.store import Register

FIXTURES = ROOT / "fixtures" / "submissions"
EXPORT, IMPORT = FIXTURES / "compliant-export.json", FIXTURES / "compliant-import.json"  # KZ000123, AE0045871


def due(url, on, *more):
    result = kpcheck("register", "due", "--register", url, "--on", on, "--format", "json", *more)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def recorded(url):
    """A register holding the two compliant fixtures, checked and recorded (decisions: compliant)."""
    result = kpcheck("check", "--register", url, "--record", "--by", "desk 1", "--format", "json", EXPORT, IMPORT)
    assert result.exit_code == 0, result.output
    return url


def engine_deadline(damaged: dt.date, rules=None) -> dt.date:
    """The deadline as DUP-01 computes it in the engine: the last day of return that is clean;
    the message of the next day's finding names it too."""
    checker = Checker.load(rules, engine="python")

    def dup01(returned: dt.date) -> list:
        doc = base()
        doc["presented_on"] = (returned + dt.timedelta(days=1)).isoformat()
        doc["duplicate"] = {"original_number": "KZ000122", "damaged_on": damaged.isoformat(), "returned_on": returned.isoformat()}
        return [f for f in checker.check(doc).results[0].findings if f.rule == "DUP-01"]

    day = damaged
    while not dup01(day + dt.timedelta(days=1)):
        day += dt.timedelta(days=1)
    (finding,) = dup01(day + dt.timedelta(days=1))
    assert f"deadline of {day.isoformat()}" in finding.message
    return day


@pytest.mark.parametrize("damaged", ["2024-03-15", "2024-04-29", "2024-05-03"])
def test_a_damaged_certificate_is_due_with_dup01s_deadline_until_its_duplicate_is_issued(register_url, damaged):
    url = recorded(register_url)
    result = kpcheck("register", "event", "kz 000-123", "damaged", "--on", damaged, "--by", "A. Nurlanov", "--register", url)
    assert result.exit_code == 0, result.output
    day = dt.date.fromisoformat(damaged)
    expected = engine_deadline(day)
    listed = due(url, damaged)
    (item,) = [i for i in listed["items"] if i["item"] == "duplicate"]
    assert item["number"] == "KZ000123" and item["deadline"] == expected.isoformat()
    assert item["days"] == duplicate_days(Checker.load(engine="python"), day) and item["working_days"] and item["basis"] == "DUP-01"
    assert not item["overdue"]
    late = due(url, (expected + dt.timedelta(days=1)).isoformat())
    flags = [i["overdue"] for i in late["items"]]
    assert next(i for i in late["items"] if i["item"] == "duplicate")["overdue"] and flags == sorted(flags, reverse=True)  # overdue first
    issued = kpcheck(
        "register", "event", "KZ000123", "duplicate-issued", "--on", (expected + dt.timedelta(days=2)).isoformat(), "--register", url
    )
    assert issued.exit_code == 0, issued.output
    after = due(url, (expected + dt.timedelta(days=3)).isoformat())
    assert "duplicate" not in [i["item"] for i in after["items"]]
    before = due(url, (expected + dt.timedelta(days=1)).isoformat())  # as of a day before the duplicate: still open
    assert "duplicate" in [i["item"] for i in before["items"]]


def test_coupon_and_receipt_are_due_after_the_departments_days_and_close_with_their_events(register_url):
    url = recorded(register_url)
    listed = due(url, "2024-06-10", "--coupon-days", "3", "--receipt-days", "60")
    by_item = {i["item"]: i for i in listed["items"]}
    assert by_item["coupon"]["number"] == "AE0045871" and by_item["coupon"]["deadline"] == "2024-06-13"
    assert by_item["receipt"]["number"] == "KZ000123" and by_item["receipt"]["deadline"] == "2024-05-03"  # issued 2024-03-04 + 60
    assert [i["item"] for i in listed["items"]] == ["receipt", "coupon"]  # the overdue receipt first
    assert by_item["receipt"]["overdue"] and by_item["receipt"]["days_late"] == 38
    assert not by_item["coupon"]["overdue"] and by_item["coupon"]["days_late"] == -3
    defaults = due(url, "2024-06-10")
    assert {i["item"]: i["days"] for i in defaults["items"]} == {"coupon": 10, "receipt": 30}
    assert kpcheck("register", "event", "AE 0045871", "coupon-sent", "--on", "2024-06-12", "--register", url).exit_code == 0
    assert kpcheck("register", "event", "KZ000123", "receipt-confirmed", "--on", "2024-06-11", "--register", url).exit_code == 0
    assert due(url, "2024-06-12")["items"] == []
    assert [i["item"] for i in due(url, "2024-06-11")["items"]] == ["coupon"]  # the coupon went on the 12th


def test_refused_events_are_exit_2_with_a_clear_message_and_record_nothing(register_url):
    url = recorded(register_url)
    cases = [
        (("KZ999999", "damaged", "--on", "2024-05-01"), "certificate number KZ999999 is not in the register"),
        (("KZ000123", "coupon-sent", "--on", "2024-05-01"), "coupon-sent is recorded for an import certificate"),
        (("AE0045871", "damaged", "--on", "2024-07-01"), "damaged is recorded for an export certificate"),
        (("KZ000123", "damaged", "--on", "2024-03-03"), "before the certificate was presented (2024-03-04)"),
        (("KZ000123", "duplicate-issued", "--on", "2024-05-01"), "no damage of certificate KZ000123 is recorded"),
    ]
    for args, message in cases:
        result = kpcheck("register", "event", *args, "--register", url)
        assert result.exit_code == 2, result.output
        assert message in result.stderr and "nothing was recorded" in result.stderr and "Traceback" not in result.output
    bad_kind = kpcheck("register", "event", "KZ000123", "lost", "--on", "2024-05-01", "--register", url)
    assert bad_kind.exit_code == 2 and "'lost' is not one of" in bad_kind.stderr
    register = Register.open(url)
    with register.reading() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 0
    register.close()


def test_events_are_append_only_and_a_repeated_event_adds_nothing(register_url):
    url = recorded(register_url)
    first = kpcheck("register", "event", "KZ000123", "damaged", "--on", "15.03.2024", "--by", "A. Nurlanov", "--register", url)
    again = kpcheck("register", "event", "KZ 000123", "damaged", "--on", "2024-03-15", "--register", url)
    assert first.exit_code == again.exit_code == 0
    assert "already recorded" in again.stderr
    register = Register.open(url)
    with register.reading() as conn:
        rows = conn.execute(text("SELECT number, direction, kind, occurred_on, recorded_by FROM events")).all()
    assert [(r[0], r[1], r[2], str(r[3]), r[4]) for r in rows] == [("KZ000123", "export", "damaged", "2024-03-15", "A. Nurlanov")]
    shown = json.loads(kpcheck("register", "show", "KZ000123", "--register", url, "--format", "json").stdout)
    assert [(e["kind"], e["on"], e["by"]) for e in shown[-1]["events"]] == [("damaged", "2024-03-15", "A. Nurlanov")]
    assert "2024-03-15 damaged by A. Nurlanov" in kpcheck("register", "show", "KZ000123", "--register", url).stdout
    for statement in ("UPDATE events SET kind = 'duplicate-issued'", "DELETE FROM events"):
        with pytest.raises(Exception, match="append-only"):
            register.write(lambda conn, s=statement: conn.execute(text(s)))
    register.close()


def test_due_in_russian_and_kazakh_text_and_csv(register_url):
    url = recorded(register_url)
    kpcheck("register", "event", "KZ000123", "damaged", "--on", "2024-03-15", "--register", url)
    ru = kpcheck("register", "due", "--register", url, "--on", "2024-03-29", "--lang", "ru")
    assert ru.exit_code == 0, ru.output
    assert "Открытые задачи на 2024-03-29: 2, просрочено: 1" in ru.stdout
    assert "просрочено на 2 дня" in ru.stdout and "выдать дубликат" in ru.stdout and "5 рабочих дней (DUP-01)" in ru.stdout
    kk = kpcheck("register", "due", "--register", url, "--on", "2024-03-29", "--lang", "kk", "--format", "csv")
    rows = list(csv.reader(io.StringIO(kk.stdout)))
    assert rows[0][:3] == ["Күйі", "Мерзімі", "Күтілетіні"]
    assert rows[1][:4] == ["2 күнге кешіктірілген", "2024-03-27", "телнұсқа берілуі тиіс", "KZ000123"]
    empty = kpcheck("register", "due", "--register", url, "--on", "2024-01-01")
    assert empty.exit_code == 0 and "Nothing is due." in empty.stdout


def test_due_needs_a_usable_register_and_rulebook(tmp_path):
    missing = kpcheck("register", "due", "--register", tmp_path / "no" / "register.sqlite")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    (tmp_path / "rules").mkdir()
    broken = kpcheck("register", "due", "--register", tmp_path / "r.sqlite", "--rules", tmp_path / "rules")
    assert broken.exit_code == 2 and "nothing is listed" in broken.stderr


def test_a_dated_duplicate_period_is_read_on_the_day_of_damage(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    dup01 = rules / "DUP" / "DUP-01.yaml"
    dup01.write_text(dup01.read_text().replace("  days: 5\n", "  days: {2016-06-20: 5, 2027-01-01: 3}\n"), encoding="utf-8")
    url = recorded(str(tmp_path / "register.sqlite"))
    for damaged in ("2026-12-01", "2027-02-01"):
        assert kpcheck("register", "event", "KZ000123", "damaged", "--on", damaged, "--register", url).exit_code == 0
        listed = due(url, damaged, "--rules", rules)
        (item,) = [i for i in listed["items"] if i["item"] == "duplicate"]
        assert item["days"] == (5 if damaged < "2027" else 3)
        assert item["deadline"] == engine_deadline(dt.date.fromisoformat(damaged), rules).isoformat()


def test_the_registers_day_filter_finds_a_decision_taken_in_the_desks_evening(register_url, monkeypatch):
    """A decision recorded at 20:30 UTC on 6 December is on 7 December in Almaty (UTC+5): the
    register page's filter by the desk's day finds it on the 7th, not on the 6th, on both backends
    (SQLite keeps the time as written, so the bounds are given in UTC)."""
    import types

    from kpcheck.register import desk
    from kpcheck.register.store import recent_decisions

    taken = dt.datetime(2026, 12, 6, 20, 30, tzinfo=dt.timezone.utc)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return taken

    monkeypatch.setattr(desk, "dt", types.SimpleNamespace(datetime=Clock, timezone=dt.timezone))
    url = recorded(register_url)
    register = Register.open(url)
    almaty = dt.timezone(dt.timedelta(hours=5))

    def on(day: dt.date) -> int:
        start = dt.datetime.combine(day, dt.time(), almaty)
        with register.reading() as conn:
            return len(recent_decisions(conn, start, start + dt.timedelta(days=1)))

    assert on(dt.date(2026, 12, 7)) == 2
    assert on(dt.date(2026, 12, 6)) == 0
    register.close()
