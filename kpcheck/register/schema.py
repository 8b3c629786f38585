"""The register's tables and their versions: ordered migration steps, applied forward on open.

Version 1: submissions (canonical JSON, SHA-256, the XREF key columns), decisions and their
findings. Version 2: who asked (``decided_by``), the waivers' SHA-256, a look-up index on the
bare certificate number (XREF-02), and decisions made append-only by the database itself.
Version 3: events, what happened to a certificate after its check (damaged, duplicate issued,
coupon sent back, receipt confirmed), with who and when; append-only as decisions are.
Version 4: ``audit --record`` runs, and the run of each decision an audit records (one per
submission and run: a resumed audit never doubles one).
Version 5 (rulebook 1.1, one number normalisation): every stored number and original (and
each event's number) re-keyed by :func:`~kpcheck.input.text.normalise_number` as it now
reads, and each submission's content
hash (the same id and content is the same submission read twice; the same id with other
content is another), computed from the stored document (NULL when it no longer reads).
Version 6: the desk's named accounts (a hash of each personal token, never the token) and, on
a decision, what the controller decided (accepted, refused, returned for correction), their
comment, the language and the printed report as it was printed.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    inspect,
    select,
    text,
    update,
)

from kpcheck.problems import N_, Worded
from kpcheck.register.urls import SCHEMA_VERSION, VERSION_TABLE


def _v1_tables(metadata: MetaData) -> tuple[Table, Table, Table]:
    return _v1_submissions(metadata), _v1_decisions(metadata), _v1_findings(metadata)


def _v1_submissions(metadata: MetaData) -> Table:
    return Table(
        "submissions",
        metadata,
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("sha256", String(64), nullable=False, unique=True),
        Column("submission_id", String(200), nullable=False),
        Column("direction", String(10), nullable=False),
        Column("number", String(200), nullable=False),  # normalised as XREF-01 normalises
        Column("raw_number", String(200), nullable=False),
        Column("presented_on", Date, nullable=False),
        Column("id_hash", BigInteger, nullable=False),  # the XrefKey's own hashes
        Column("supersedes", String(200)),
        Column("supersedes_hash", BigInteger, nullable=False),
        Column("duplicate_request", Boolean, nullable=False),
        Column("original", String(200)),  # normalised original_number
        Column("raw_original", String(200)),
        Column("source", Text, nullable=False),
        Column("added_at", DateTime(timezone=True), nullable=False),
        Column("canonical", Text, nullable=False),
        Index("ix_submissions_group", "direction", "number"),
    )


def _v1_decisions(metadata: MetaData) -> Table:
    return Table(
        "decisions",
        metadata,
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("submission", Integer, ForeignKey("submissions.pk"), nullable=False, index=True),
        Column("decided_at", DateTime(timezone=True), nullable=False),
        Column("command", String(20), nullable=False),
        Column("status", String(20), nullable=False),
        Column("kpcheck", String(40), nullable=False),
        Column("rulebook_version", String(80), nullable=False),
        Column("rulebook_sha256", String(64), nullable=False),
        Column("registers_sha256", String(64), nullable=False),
        Column("engine", String(20), nullable=False),
    )


def _v1_findings(metadata: MetaData) -> Table:
    return Table(
        "findings",
        metadata,
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("decision", Integer, ForeignKey("decisions.pk"), nullable=False, index=True),
        Column("rule", String(40), nullable=False),
        Column("severity", String(20), nullable=False),
        Column("fields", Text, nullable=False),  # JSON list of field paths
        Column("waived", Text),  # JSON of the waiver, when waived
    )


def _v1(conn: Connection) -> None:
    metadata = MetaData()
    _v1_tables(metadata)
    metadata.create_all(conn)


_APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END",
    "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END",
]
_APPEND_ONLY_POSTGRESQL = [
    "CREATE FUNCTION kpcheck_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'decisions are append-only'; END $$",
    "CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions FOR EACH ROW EXECUTE FUNCTION kpcheck_append_only()",
]


def _v2(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE decisions ADD COLUMN decided_by VARCHAR(200)"))
    conn.execute(text("ALTER TABLE decisions ADD COLUMN waivers_sha256 VARCHAR(64)"))
    conn.execute(text("CREATE INDEX ix_submissions_number ON submissions (number)"))
    statements = _APPEND_ONLY_POSTGRESQL if conn.dialect.name == "postgresql" else _APPEND_ONLY_SQLITE
    for statement in statements:
        conn.exec_driver_sql(statement)


EVENT_KINDS = ("damaged", "duplicate-issued", "coupon-sent", "receipt-confirmed")


def _v3_events(metadata: MetaData) -> Table:
    return Table(
        "events",
        metadata,
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("direction", String(10), nullable=False),
        Column("number", String(200), nullable=False),  # normalised as the submissions' number
        Column("submission", Integer, ForeignKey("submissions.pk"), nullable=False, index=True),  # the latest one then
        Column("kind", String(30), nullable=False),
        Column("occurred_on", Date, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("recorded_by", String(200)),
        Index("ix_events_group", "direction", "number"),
    )


_EVENTS_APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
]
_EVENTS_APPEND_ONLY_POSTGRESQL = [
    "CREATE FUNCTION kpcheck_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$",
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION kpcheck_events_append_only()",
]


def _v3(conn: Connection) -> None:
    metadata = MetaData()
    _v1_tables(metadata)  # the foreign key's target
    _v3_events(metadata).create(conn)
    statements = _EVENTS_APPEND_ONLY_POSTGRESQL if conn.dialect.name == "postgresql" else _EVENTS_APPEND_ONLY_SQLITE
    for statement in statements:
        conn.exec_driver_sql(statement)


def _v4_runs(metadata: MetaData) -> Table:
    return Table(
        "audit_runs",
        metadata,
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("fingerprint", String(64), nullable=False, index=True),  # sources, rulebook, registers, waivers, by
        Column("sources", Text, nullable=False),  # JSON list of the sources as given
        Column("started_at", DateTime(timezone=True), nullable=False),
        Column("finished_at", DateTime(timezone=True)),  # NULL: interrupted (or running)
    )


def _v4(conn: Connection) -> None:
    """``audit --record`` runs: each decision an audit records names its run, and a run holds at
    most one decision per submission, so that an interrupted audit run again completes its run
    without doubling a decision (issue 25)."""
    metadata = MetaData()
    _v4_runs(metadata).create(conn)
    conn.execute(text("ALTER TABLE decisions ADD COLUMN run INTEGER REFERENCES audit_runs (pk)"))
    conn.execute(text("CREATE UNIQUE INDEX ux_decisions_run_submission ON decisions (run, submission)"))


REKEY_BATCH = 2_000


def _v5(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE submissions ADD COLUMN content_hash BIGINT"))
    rekey(conn)
    rekey_events(conn)


def rekey(conn: Connection) -> int:
    """Every stored submission's number, original and content hash as this kpcheck computes
    them, from the stored columns and document; how many rows were read."""
    from kpcheck.batch.xref import content_hash
    from kpcheck.input.reader import parse_json
    from kpcheck.input.text import normalise_number

    table = Table(
        "submissions",
        MetaData(),
        Column("pk", Integer, primary_key=True),
        Column("number", String(200)),
        Column("raw_number", String(200)),
        Column("original", String(200)),
        Column("raw_original", String(200)),
        Column("canonical", Text),
        Column("content_hash", BigInteger),
    )
    change = (
        update(table)
        .where(table.c.pk == bindparam("b_pk"))
        .values(number=bindparam("b_number"), original=bindparam("b_original"), content_hash=bindparam("b_content"))
    )
    last, done = 0, 0
    while True:
        query = select(table.c.pk, table.c.raw_number, table.c.raw_original, table.c.canonical).where(table.c.pk > last)
        rows = conn.execute(query.order_by(table.c.pk).limit(REKEY_BATCH)).all()
        if not rows:
            return done
        changes = []
        for pk, raw_number, raw_original, document in rows:
            sub = parse_json(document.encode(), f"#{pk}").submission
            changes.append(
                {
                    "b_pk": pk,
                    "b_number": normalise_number(raw_number) or "",
                    "b_original": normalise_number(raw_original),
                    "b_content": content_hash(sub) if sub is not None else None,
                }
            )
        conn.execute(change, changes)
        last, done = rows[-1][0], done + len(rows)


def rekey_events(conn: Connection) -> None:
    """Each event's number as its submission's (re-keyed) number: the append-only trigger is
    lifted for this one statement of the migration, inside its transaction."""
    change = "UPDATE events SET number = (SELECT s.number FROM submissions s WHERE s.pk = events.submission)"
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_append_only")
        conn.exec_driver_sql(change)
        conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_append_only")
        return
    conn.exec_driver_sql("DROP TRIGGER events_no_update")
    conn.exec_driver_sql(change)
    conn.exec_driver_sql(_EVENTS_APPEND_ONLY_SQLITE[0])


def _v6_accounts(metadata: MetaData) -> Table:
    return Table(
        "accounts",
        metadata,
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("name", String(200), nullable=False, unique=True),
        Column("role", String(20), nullable=False),  # controller | auditor
        Column("token_sha256", String(64), nullable=False, unique=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("disabled_at", DateTime(timezone=True)),
    )


_V6_DECISION_COLUMNS = (("outcome", "VARCHAR(20)"), ("comment", "TEXT"), ("lang", "VARCHAR(5)"), ("report", "TEXT"))


def _v6(conn: Connection) -> None:
    """The desk's accounts, and the controller's decision on a decision row (issue 22)."""
    metadata = MetaData()
    _v6_accounts(metadata).create(conn)
    for name, kind in _V6_DECISION_COLUMNS:
        conn.execute(text(f"ALTER TABLE decisions ADD COLUMN {name} {kind}"))


MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6]
VERSION = len(MIGRATIONS)
if VERSION != SCHEMA_VERSION:  # the light module says the same (a desk check reads it without SQLAlchemy)
    raise ImportError(f"kpcheck.register.urls.SCHEMA_VERSION is {SCHEMA_VERSION}, the migrations make {VERSION}")

metadata = MetaData()
submissions, decisions, findings = _v1_tables(metadata)
decisions.append_column(Column("decided_by", String(200)))
decisions.append_column(Column("waivers_sha256", String(64)))
events = _v3_events(metadata)
audit_runs = _v4_runs(metadata)
decisions.append_column(Column("run", Integer, ForeignKey("audit_runs.pk")))
submissions.append_column(Column("content_hash", BigInteger))
decisions.append_column(Column("outcome", String(20)))  # the controller's decision (v6)
decisions.append_column(Column("comment", Text))
decisions.append_column(Column("lang", String(5)))
decisions.append_column(Column("report", Text))  # the printed report's HTML, as printed
accounts = _v6_accounts(metadata)
version_table = Table(VERSION_TABLE, metadata, Column("version", Integer, nullable=False))


class NewerSchema(Worded):
    """The register was written by a newer kpcheck than this one."""

    @classmethod
    def of(cls, version: int) -> NewerSchema:
        return cls(
            N_("the register has schema version {version}, this kpcheck knows up to {known}; use a newer kpcheck"),
            version=str(version),
            known=str(VERSION),
        )


class NotARegister(Worded):
    """The database is not a kpcheck register (another application's, or a damaged one); the
    message says that kpcheck leaves it alone."""


def current_version(conn: Connection) -> int:
    """The schema version of the database (0: an empty database). A database with tables but
    no version table, or whose version is not one row holding a whole number from 1, raises
    :class:`NotARegister`: kpcheck never adds its tables to it."""
    tables = inspect(conn).get_table_names()
    if VERSION_TABLE not in tables:
        if tables:
            shown = ", ".join(sorted(tables)[:5]) + (" ..." if len(tables) > 5 else "")
            raise NotARegister(
                N_("not a kpcheck register: the database holds other tables ({tables}) and no {table}; kpcheck leaves it alone"),
                tables=shown,
                table=VERSION_TABLE,
            )
        return 0
    rows = conn.execute(text(f"SELECT version FROM {VERSION_TABLE}")).all()
    values = [row[0] for row in rows]
    if len(values) != 1 or not isinstance(values[0], int) or isinstance(values[0], bool) or values[0] < 1:
        if not values:
            raise NotARegister(
                N_(
                    "{table}.version holds no row, not one schema version (a whole number from 1): "
                    "the register is damaged; kpcheck leaves it alone"
                ),
                table=VERSION_TABLE,
            )
        raise NotARegister(
            N_(
                "{table}.version holds {found}, not one schema version (a whole number from 1): "
                "the register is damaged; kpcheck leaves it alone"
            ),
            table=VERSION_TABLE,
            found=", ".join(repr(v) for v in values[:3]),
        )
    return int(values[0])


def migrate(conn: Connection, target: int = VERSION) -> int:
    """Apply the steps after the database's version up to ``target``, in the caller's
    transaction; returns the version before. A newer database raises :class:`NewerSchema`."""
    before = current_version(conn)
    if before > VERSION:
        raise NewerSchema.of(before)
    if before == 0:
        version_table.create(conn)
        conn.execute(version_table.insert().values(version=0))
    for step in range(before, target):
        MIGRATIONS[step](conn)
        conn.execute(version_table.update().values(version=step + 1))
    return before
