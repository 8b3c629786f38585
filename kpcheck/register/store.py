"""A register opened by URL: its transactions (one writer at a time) and its queries.

Writers serialise: SQLite takes the write lock when the transaction begins (``BEGIN
IMMEDIATE``), PostgreSQL an advisory transaction lock with a lock timeout; a transaction that
still fails on a serialization failure or a deadlock is run again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select, func, select, text
from sqlalchemy.exc import DBAPIError

from kpcheck.batch.xref import XrefKey
from kpcheck.i18n.labels import N_
from kpcheck.problems import Worded
from kpcheck.register import schema
from kpcheck.register.connect import make_engine, translated
from kpcheck.register.errors import MISSING, NEWER, UNUSABLE, RegisterError
from kpcheck.register.quick import LOOKUP_CHUNK
from kpcheck.register.rows import KEY_COLUMNS, key_of_row
from kpcheck.register.urls import database_url, shown, sqlite_path, timeout
from kpcheck.register.yearly import utc

T = TypeVar("T")
LOCK_KEY = 0x6B70636865636B  # "kpcheck": the advisory lock every writer takes on PostgreSQL
RETRIES = 5
_RETRY_CODES = {"40001", "40P01"}  # serialization failure, deadlock detected
NO_REGISTER = N_(
    "no register here; kpcheck register init URL creates one (so do register import and --record); check the spelling of --register"
)
NO_REGISTER_YET = N_(
    "the database holds no register yet; kpcheck register init URL creates one (so do register import and --record); "
    "check the spelling of --register"
)


def _said(where: str, code: str, exc: Worded) -> RegisterError:
    """The register's error at ``where`` for a schema's worded error, its template kept."""
    return RegisterError(where, code=code, template=exc.template, args=dict(exc.template_args))


class Register:
    """One register; open with :meth:`open`, which migrates it forward."""

    def __init__(self, engine: Engine, url: str, readonly: bool = False):
        self.engine = engine
        self.url = url
        self.readonly = readonly
        self.wait = timeout()  # seconds a writer waits for the lock

    @classmethod
    def open(cls, name: str | None, *, create: bool = False, readonly: bool = False) -> Register:
        """Open the register ``--register`` names, migrating an older one forward; raises
        :class:`RegisterError`.

        Only ``create`` (``register init``, ``register import``, ``--record``) makes a register
        of a missing file or an empty database; otherwise a missing register is refused and
        nothing is created. A database that is not a kpcheck register is always refused.
        ``readonly`` opens it so that nothing can be written (a read-only file or filesystem
        can then be read)."""
        url = database_url(name)
        path = sqlite_path(url)
        if path is not None and not path.exists():
            if not create:
                raise RegisterError(str(path), code=MISSING, template=NO_REGISTER)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)  # the default register's data folder
            except OSError as exc:
                raise RegisterError(
                    str(path.parent),
                    code=UNUSABLE,
                    template=N_("cannot make the register's folder ({reason})"),
                    args={"reason": str(exc.strerror)},
                ) from None
        elif path is not None and not path.is_file():
            raise RegisterError(str(path), code=UNUSABLE, template=N_("is not a regular file; a register is a SQLite file"))
        reading_only = readonly and not create
        version = 0
        if path is None or path.exists():  # looked at without a write (nor a journal mode) first
            probe, version = cls.probe(url)
            if version == 0 and not create:
                probe.close()
                raise RegisterError(probe.shown, code=MISSING, template=NO_REGISTER_YET)
            if version > schema.VERSION:
                probe.close()
                raise _said(probe.shown, NEWER, schema.NewerSchema.of(version))
            if reading_only and version == schema.VERSION:
                return probe
            probe.close()
        register = cls(make_engine(url), url)
        if version != schema.VERSION:  # create or migrate forward under the write lock
            register.write(register._migrate)
        if reading_only:
            register.close()
            return cls(make_engine(url, readonly=True), url, readonly=True)
        return register

    @classmethod
    def probe(cls, url: str) -> tuple[Register, int]:
        """The database at ``url`` opened read-only, and its register schema version (0: none yet),
        read without a write; a database that is not a register is refused, and left alone."""
        probe = cls(make_engine(url, readonly=True), url, readonly=True)
        try:
            with probe.reading() as conn:
                return probe, schema.current_version(conn)
        except schema.NotARegister as exc:
            probe.close()
            raise _said(probe.shown, UNUSABLE, exc) from None
        except RegisterError:
            probe.close()
            raise

    def _migrate(self, conn: Connection) -> None:
        try:
            schema.migrate(conn)
        except schema.NewerSchema as exc:
            raise _said(self.shown, NEWER, exc) from None
        except schema.NotARegister as exc:
            raise _said(self.shown, UNUSABLE, exc) from None

    @property
    def shown(self) -> str:
        return shown(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one writing transaction, alone among the register's writers."""
        if self.readonly:
            raise RegisterError(self.shown, code=UNUSABLE, template=N_("the register was opened to be read only; nothing was written"))
        for attempt in range(RETRIES):
            try:
                with translated(self.url), self._writing() as conn:
                    return work(conn)
            except RegisterError as exc:
                if attempt + 1 < RETRIES and _retryable(exc.__context__):
                    continue
                raise
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(text(f"SET LOCAL lock_timeout = {int(self.wait * 1000)}"))
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                yield conn

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction (it waits for no writer)."""
        with translated(self.url), self.engine.connect() as conn:
            conn.info["write"] = False  # info lives on the pooled connection: say it each time
            with conn.begin():
                yield conn

    def close(self) -> None:
        """Close the pooled connections; the register opens new ones when used again."""
        self.engine.dispose()


def _retryable(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _RETRY_CODES:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def history_keys(conn: Connection, numbers: Iterable[str], upto: int | None = None, where: str = "") -> list[XrefKey]:
    """The keys of every stored submission (up to row ``upto`` when given) whose normalised
    number is one of ``numbers``: all that XREF-01 (same direction and number) and XREF-02
    (the original's number) read; each names the register ``where`` (its URL, no password),
    its row and the last decision on it."""
    wanted = sorted({n for n in numbers if n})
    keys = []
    for chunk in _chunks(wanted, LOOKUP_CHUNK):
        for row in conn.execute(history_query(chunk, upto)).mappings():
            keys.append(key_of_row(dict(row), where))
    return keys


def history_query(numbers: list[str], upto: int | None = None) -> Select[Any]:
    """The key columns of the submissions carrying these normalised numbers (an index look-up),
    with the row number and the last decision taken on each."""
    s, d = schema.submissions, schema.decisions

    def last(column: Any) -> Any:
        return select(column).where(d.c.submission == s.c.pk).order_by(d.c.pk.desc()).limit(1).scalar_subquery()

    status, decided = last(d.c.status).label("last_status"), last(d.c.decided_at).label("last_decided_at")
    query = select(*[s.c[name] for name in KEY_COLUMNS], s.c.pk, status, decided).where(s.c.number.in_(numbers)).order_by(s.c.pk)
    return query if upto is None else query.where(s.c.pk <= upto)


def canonical_documents(conn: Connection, batch: int = 5_000) -> Iterator[tuple[int, str]]:
    """(row number, canonical JSON) of every stored submission, in the order stored."""
    s = schema.submissions
    result = conn.execution_options(yield_per=batch).execute(select(s.c.pk, s.c.canonical).order_by(s.c.pk))
    yield from result


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(schema.submissions)).scalar_one()


def last_pk(conn: Connection) -> int:
    """The row number of the last stored submission (0 when none)."""
    return conn.execute(select(func.max(schema.submissions.c.pk))).scalar_one() or 0


def pks_of(conn: Connection, hashes: list[str]) -> dict[str, int]:
    """Row numbers of stored submissions by SHA-256."""
    s = schema.submissions
    out: dict[str, int] = {}
    for chunk in _chunks(hashes, LOOKUP_CHUNK):
        out.update(dict(conn.execute(select(s.c.sha256, s.c.pk).where(s.c.sha256.in_(chunk))).all()))
    return out


def insert_submissions(conn: Connection, rows: list[dict[str, Any]]) -> tuple[dict[str, int], int]:
    """Store the rows not stored yet (by SHA-256); (row number by SHA-256, how many were new)."""
    if not rows:
        return {}, 0
    unique = list({row["sha256"]: row for row in rows}.values())
    known = pks_of(conn, [row["sha256"] for row in unique])
    new = [row for row in unique if row["sha256"] not in known]
    if new:
        conn.execute(schema.submissions.insert(), new)
        known.update(pks_of(conn, [row["sha256"] for row in new]))
    return known, len(new)


def insert_decision(conn: Connection, decision: dict[str, Any], findings: Callable[[int], list[dict[str, Any]]]) -> int:
    pk: int = conn.execute(schema.decisions.insert().values(**decision).returning(schema.decisions.c.pk)).scalar_one()
    rows = findings(pk)
    if rows:
        conn.execute(schema.findings.insert(), rows)
    return pk


def submissions_of(conn: Connection, number: str) -> list[dict[str, Any]]:
    """Every stored submission with this normalised number, either direction, in the order stored."""
    s = schema.submissions
    return [dict(r) for r in conn.execute(select(s).where(s.c.number == number).order_by(s.c.pk)).mappings()]


def decisions_of(conn: Connection, submission_pks: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The decisions on these submissions, each with its findings, oldest first."""
    d, f = schema.decisions, schema.findings
    out: dict[int, list[dict[str, Any]]] = {pk: [] for pk in submission_pks}
    rows = conn.execute(select(d).where(d.c.submission.in_(submission_pks)).order_by(d.c.pk)).mappings().all()
    by_pk = {row["pk"]: {**row, "findings": []} for row in rows}
    if by_pk:
        for finding in conn.execute(select(f).where(f.c.decision.in_(list(by_pk))).order_by(f.c.pk)).mappings():
            by_pk[finding["decision"]]["findings"].append(dict(finding))
    for decision in by_pk.values():
        out[decision["submission"]].append(decision)
    return out


def recent_decisions(
    conn: Connection,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    outcome: str | None = None,
    by: str | None = None,
    status: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The latest decisions (newest first) with their submission's number, id and direction,
    filtered by the time recorded (``since`` <= t < ``until``), the controller's decision, who
    decided and the verdict."""
    d, s = schema.decisions, schema.submissions
    query = (
        select(
            d.c.pk,
            d.c.decided_at,
            d.c.command,
            d.c.status,
            d.c.decided_by,
            d.c.outcome,
            d.c.comment,
            d.c.rulebook_sha256,
            (d.c.report.is_not(None)).label("has_report"),
            s.c.raw_number,
            s.c.submission_id,
            s.c.direction,
        )
        .join(s, s.c.pk == d.c.submission)
        .order_by(d.c.pk.desc())
        .limit(limit)
    )
    # in UTC, as the times are recorded: SQLite compares the texts and drops a bound time's zone
    if since is not None:
        query = query.where(d.c.decided_at >= utc(since))
    if until is not None:
        query = query.where(d.c.decided_at < utc(until))
    if outcome:
        query = query.where(d.c.outcome == outcome)
    if by:
        query = query.where(d.c.decided_by == by)
    if status:
        query = query.where(d.c.status == status)
    return [dict(row) for row in conn.execute(query).mappings()]


def deciders(conn: Connection) -> list[str]:
    """Every name that took a decision, sorted."""
    d = schema.decisions
    return sorted(n for (n,) in conn.execute(select(d.c.decided_by).where(d.c.decided_by.is_not(None)).distinct()))


def decision_report(conn: Connection, pk: int) -> tuple[str | None, str | None] | None:
    """(printed report, language) of a decision; None when there is no such decision."""
    d = schema.decisions
    row = conn.execute(select(d.c.report, d.c.lang).where(d.c.pk == pk)).first()
    return None if row is None else (row.report, row.lang)
