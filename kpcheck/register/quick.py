"""A desk check's history from a SQLite register, read without SQLAlchemy.

``check --register FILE`` (no ``--record``) needs a few rows: the keys of the stored
submissions that share a certificate number with the checked ones. Importing SQLAlchemy
costs more than a desk check itself, so this module reads them through the standard
library's ``sqlite3``, the driver SQLAlchemy uses underneath, read-only, with the same
query as :func:`kpcheck.register.store.history_keys` and the same conversion of the row
to an :class:`~kpcheck.batch.xref.XrefKey`.

It answers only the plain case: a SQLite file that exists, of the schema version this
kpcheck writes. Anything else (no file yet, an older or newer schema, PostgreSQL, any
database error) answers ``None`` and the caller goes the full way through
:class:`~kpcheck.register.store.Register`, which creates, migrates, refuses or reports
exactly as it always does. A test holds the two readers to the same keys.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from kpcheck.batch.xref import XrefKey
from kpcheck.register.rows import DECISION_COLUMNS, KEY_COLUMNS, key_of_row
from kpcheck.register.urls import SCHEMA_VERSION, VERSION_TABLE, database_url, timeout

LOOKUP_CHUNK = 500  # numbers per query


def sqlite_history(name: str | None, numbers: Iterable[str]) -> list[XrefKey] | None:
    """The keys of the stored submissions whose normalised number is one of ``numbers``, in
    the order stored; ``None`` when this is not a plain SQLite register of this schema version
    (the caller then opens the register in full). Raises :class:`RegisterError` only for a
    ``--register`` value that names no usable register at all, as opening it would."""
    url = database_url(name)
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url[len("sqlite:///") :])
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=timeout())
    except sqlite3.Error:
        return None
    try:
        (version,) = conn.execute(f"SELECT version FROM {VERSION_TABLE}").fetchone() or (None,)
        if version != SCHEMA_VERSION:
            return None
        return _keys(conn, sorted({n for n in numbers if n}), url)
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        conn.close()


_LAST = "(SELECT {} FROM decisions d WHERE d.submission = s.pk ORDER BY d.pk DESC LIMIT 1)"


def _keys(conn: sqlite3.Connection, wanted: list[str], where: str) -> list[XrefKey]:
    keys = []
    columns = [*(f"s.{name}" for name in KEY_COLUMNS), "s.pk", _LAST.format("status"), _LAST.format("decided_at")]
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM submissions s WHERE s.number IN ({marks}) ORDER BY s.pk", chunk)
        for values in rows:
            row = dict(zip((*KEY_COLUMNS, *DECISION_COLUMNS), values))
            row["presented_on"] = dt.date.fromisoformat(row["presented_on"])  # SQLite keeps ISO text
            row["duplicate_request"] = bool(row["duplicate_request"])  # and 0 or 1
            keys.append(key_of_row(row, where))
    return keys
