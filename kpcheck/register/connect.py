"""Opening a register by URL: a file path or ``sqlite:///...`` (WAL mode, busy timeout), or
``postgresql://user@host/db`` (psycopg 3). Database failures become :class:`RegisterError`."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from kpcheck.i18n.labels import N_
from kpcheck.register.errors import LOCKED, UNREACHABLE, UNUSABLE, RegisterError
from kpcheck.register.urls import shown, timeout


def make_engine(url: str, readonly: bool = False) -> Engine:
    """A SQLAlchemy engine for the URL, configured for the register's locking. ``readonly``:
    the database is opened so that nothing can be written (SQLite ``mode=ro``, or
    ``immutable=1`` where even that fails, as on a read-only filesystem; PostgreSQL
    read-only transactions)."""
    wait = timeout()
    try:
        if url.startswith("sqlite"):
            if readonly:
                path = url[len("sqlite:///") :]
                engine = create_engine("sqlite://", creator=lambda: _read_only_sqlite(path, wait), poolclass=QueuePool)
            else:
                engine = create_engine(url, connect_args={"timeout": wait})
            _sqlite_events(engine, wait, readonly)
        else:
            args: dict[str, Any] = {"connect_timeout": max(1, int(wait))}
            if readonly:
                args["options"] = "-c default_transaction_read_only=on"
            engine = create_engine(url, connect_args=args)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise RegisterError(
            shown(url), code=UNUSABLE, template=N_("not a usable register URL ({reason})"), args={"reason": str(exc)}
        ) from None
    except ImportError as exc:
        raise RegisterError(
            shown(url),
            code=UNUSABLE,
            template=N_(
                "the PostgreSQL driver is missing ({reason}); install kpcheck with the 'postgresql' extra: pip install -e '.[postgresql]'"
            ),
            args={"reason": str(exc)},
        ) from None
    return engine


def _read_only_sqlite(path: str, wait: float) -> sqlite3.Connection:
    """A connection that cannot write: ``mode=ro``; where SQLite cannot even take its shared
    lock (a read-only filesystem, a folder it may not write its ``-shm`` file to), ``immutable=1``."""
    for option in ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(f"file:{quote(path)}?{option}", uri=True, timeout=wait, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
            if option == "immutable=1":
                raise
    raise AssertionError("unreachable")


def _sqlite_events(engine: Engine, wait: float, readonly: bool = False) -> None:
    """WAL mode and a busy timeout on every connection; transactions begin as the caller asks
    (``BEGIN IMMEDIATE`` for writers, so that two desks queue instead of failing at commit).
    A read-only connection changes nothing (not even the journal mode)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver issues no BEGIN of its own
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        if not readonly:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


@contextlib.contextmanager
def translated(url: str) -> Iterator[None]:
    """Database failures as :class:`RegisterError` naming the register (password hidden)."""
    try:
        yield
    except RegisterError:
        raise
    except DBAPIError as exc:
        template, args, code = describe(exc)
        raise RegisterError(shown(url), code=code, template=template, args=args) from None
    except SQLAlchemyError as exc:
        raise RegisterError(shown(url), str(exc)) from None


def describe(exc: DBAPIError) -> tuple[str, dict[str, str], str]:
    """A database failure in a line (a template and its arguments), with its code: locked past
    the timeout, unreachable, or what the database said."""
    text = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    code = getattr(exc.orig, "sqlstate", None)
    said = {"said": text}
    if "database is locked" in text or code == "55P03":
        return (
            N_("the register stayed locked by another desk for more than {seconds} s ({said})"),
            {**said, "seconds": f"{timeout():g}"},
            LOCKED,
        )
    if "readonly database" in text or "read-only transaction" in text:
        return N_("the register can only be read here ({said})"), said, UNUSABLE
    if "file is not a database" in text:
        return N_("not a SQLite database ({said})"), said, UNUSABLE
    if exc.connection_invalidated or "connection" in text.lower() or "unable to open" in text:
        return N_("cannot reach the register ({said})"), said, UNREACHABLE
    return "{said}", said, UNREACHABLE
