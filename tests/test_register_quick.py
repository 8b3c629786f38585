"""The desk's SQLite reader without SQLAlchemy (kpcheck.register.quick) against the register's own."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner
from conftest import ROOT

from kpcheck.cli.main import main
from kpcheck.register.quick import sqlite_history
from kpcheck.register.store import Register, history_keys

FIXTURES = ROOT / "fixtures" / "submissions"


def imported(tmp_path):
    path = tmp_path / "register.sqlite"
    result = CliRunner().invoke(main, ["register", "import", "--register", str(path), str(FIXTURES)])
    assert result.exit_code in (0, 2), result.output
    return path


def stored_numbers(path):
    with sqlite3.connect(path) as conn:
        return sorted(
            {n for (n,) in conn.execute("SELECT number FROM submissions")}
            | {o for (o,) in conn.execute("SELECT original FROM submissions") if o}
        )


def test_the_quick_reader_gives_the_keys_the_register_gives(tmp_path):
    path = imported(tmp_path)
    numbers = stored_numbers(path)
    assert len(numbers) > 10
    for wanted in (numbers, numbers[:3], ["NO-SUCH-NUMBER"], [*numbers[5:6], "NO-SUCH-NUMBER"]):
        register = Register.open(str(path), create=True)
        with register.reading() as conn:
            full = history_keys(conn, wanted, where=register.shown)
        assert sqlite_history(str(path), wanted) == full
        assert sqlite_history(f"sqlite:///{path}", wanted) == full
    assert any(key.duplicate_request for key in sqlite_history(str(path), numbers))  # a bool, as SQLAlchemy gives


def test_the_quick_reader_leaves_every_unusual_register_to_the_full_way(tmp_path):
    assert sqlite_history(str(tmp_path / "missing.sqlite"), ["X"]) is None  # created by the full way
    assert sqlite_history("postgresql://nobody@127.0.0.1:9/none", ["X"]) is None
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    assert sqlite_history(str(garbage), ["X"]) is None  # reported by the full way
    path = imported(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE kpcheck_schema SET version = 99")  # a newer kpcheck's register
    assert sqlite_history(str(path), ["X"]) is None
    assert CliRunner().invoke(main, ["check", "--register", str(path), str(FIXTURES)]).exit_code == 2
