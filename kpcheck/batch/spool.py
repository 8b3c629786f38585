"""How an audit's spool file holds one unit's results and XREF keys between its two passes.

The file is written and read by processes of one Python (the audit's main process and the
workers it forks), in a private folder: the packed keys the second look reads first (pickled:
bytes), then the keys and the results as rows of plain values (:mod:`marshal`), and the few
objects the rows refer to (findings and "not applicable" entries, pickled once each however
many results share them). Pickling a :class:`~kpcheck.results.Result` and an
:class:`~kpcheck.batch.xref.XrefKey` per submission cost about 93,000 instructions a
submission to write and read back (issue 26, "nothing is pickled per result"); rows of plain
values cost about 76,000, most of it rebuilding the objects. What is read back equals what
was written (``tests/test_spool.py``).
"""

from __future__ import annotations

import datetime as dt
import marshal
import pickle
from collections.abc import Iterator, Sequence
from typing import IO, Any

from kpcheck.batch.xref import XrefKey
from kpcheck.results import Result
from kpcheck.verdicts import Verdict

PROTOCOL = pickle.HIGHEST_PROTOCOL
# a Result as a row: its fields in this order (tests/test_spool.py holds it to the dataclass)
ROW = (
    "submission",
    "source",
    "status",
    "findings",
    "not_applicable",
    "error",
    "certificate",
    "direction",
    "presented_on",
    "department",
    "counterparty",
    "prices",
)
_VERDICTS = {verdict.value: verdict for verdict in Verdict}
_new = object.__new__


def _ordinal(day: dt.date | None) -> int | None:
    return None if day is None else day.toordinal()


def _date(ordinal: int | None) -> dt.date | None:
    return None if ordinal is None else dt.date.fromordinal(ordinal)


def write(stream: IO[bytes], members: Any, pairs: Sequence[tuple[Result, XrefKey | None]]) -> None:
    """One unit's spool: ``members`` (what the second look reads first), then its keys and results."""
    pickle.dump(members, stream, protocol=PROTOCOL)
    _dump_rows([None if key is None else (key[0], _ordinal(key[1]), *key[2:]) for _, key in pairs], stream)
    shared: list[Any] = []  # the findings and "not applicable" entries the rows refer to, once each
    at: dict[int, int] = {}

    def refs(items: list[Any]) -> tuple[int, ...]:
        out = []
        for item in items:
            n = at.get(id(item))
            if n is None:
                n = at[id(item)] = len(shared)
                shared.append(item)
            out.append(n)
        return tuple(out)

    rows = []
    for result, _ in pairs:
        d = result.__dict__
        rows.append(
            (
                d["submission"],
                d["source"],
                d["status"].value,
                refs(d["findings"]) if d["findings"] else (),
                refs(d["not_applicable"]),
                d["error"],
                d["certificate"],
                d["direction"],
                _ordinal(d["presented_on"]),
                d["department"],
                d["counterparty"],
                d["prices"],
            )
        )
    pickle.dump(shared, stream, protocol=PROTOCOL)
    _dump_rows(rows, stream)


def _dump_rows(rows: list[Any], stream: IO[bytes]) -> None:
    """Rows as one marshalled text, itself pickled (as bytes): marshal reading a file reads it
    piece by piece, while from bytes it reads in one go."""
    pickle.dump(marshal.dumps(rows), stream, protocol=PROTOCOL)


def _load_rows(stream: IO[bytes]) -> Any:
    return marshal.loads(pickle.load(stream))


def read_members(stream: IO[bytes]) -> Any:
    """What :func:`write` was given as ``members``."""
    return pickle.load(stream)


def read_keys(stream: IO[bytes]) -> list[XrefKey | None]:
    """The unit's keys, in order (``None`` for a submission that did not read)."""
    pickle.load(stream)
    return [None if row is None else XrefKey._make((row[0], _date(row[1]), *row[2:])) for row in _load_rows(stream)]


def read(stream: IO[bytes]) -> Iterator[tuple[Result, XrefKey | None]]:
    """The unit's results with their keys, in order, as :func:`write` was given them."""
    keys = read_keys(stream)
    shared = pickle.load(stream)
    results = []
    for row in _load_rows(stream):
        result = _new(Result)
        result.__dict__ = {
            "submission": row[0],
            "source": row[1],
            "status": _VERDICTS[row[2]],
            "findings": [shared[n] for n in row[3]],
            "not_applicable": [shared[n] for n in row[4]],
            "error": row[5],
            "certificate": row[6],
            "direction": row[7],
            "presented_on": _date(row[8]),
            "department": row[9],
            "counterparty": row[10],
            "prices": row[11],
        }
        results.append(result)
    return zip(results, keys)
