"""The register's tables and their versions: ordered migration steps, applied forward on open.

Version 1: submissions (canonical JSON, SHA-256, the XREF key columns), decisions and their
findings. Version 2: who asked (``decided_by``), the waivers' SHA-256, a look-up index on the
bare certificate number (XREF-02), and decisions made append-only by the database itself.
Version 3 (rulebook 1.1, one number normalisation): every stored number and original re-keyed
by :func:`~kpcheck.input.text.normalise_number` as it now reads, and each submission's content
hash (the same id and content is the same submission read twice; the same id with other
content is another), computed from the stored document (NULL when it no longer reads).
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


REKEY_BATCH = 2_000


def _v3(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE submissions ADD COLUMN content_hash BIGINT"))
    rekey(conn)


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


MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3]
VERSION = len(MIGRATIONS)
if VERSION != SCHEMA_VERSION:  # the light module says the same (a desk check reads it without SQLAlchemy)
    raise ImportError(f"kpcheck.register.urls.SCHEMA_VERSION is {SCHEMA_VERSION}, the migrations make {VERSION}")

metadata = MetaData()
submissions, decisions, findings = _v1_tables(metadata)
decisions.append_column(Column("decided_by", String(200)))
decisions.append_column(Column("waivers_sha256", String(64)))
submissions.append_column(Column("content_hash", BigInteger))
version_table = Table(VERSION_TABLE, metadata, Column("version", Integer, nullable=False))


class NewerSchema(Exception):
    """The register was written by a newer kpcheck than this one."""


def current_version(conn: Connection) -> int:
    """The schema version of the database (0: an empty database)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return 0
    return conn.execute(select(version_table.c.version)).scalar_one_or_none() or 0


def migrate(conn: Connection, target: int = VERSION) -> int:
    """Apply the steps after the database's version up to ``target``, in the caller's
    transaction; returns the version before. A newer database raises :class:`NewerSchema`."""
    before = current_version(conn)
    if before > VERSION:
        raise NewerSchema(f"the register has schema version {before}, this kpcheck knows up to {VERSION}; use a newer kpcheck")
    if before == 0:
        version_table.create(conn)
        conn.execute(version_table.insert().values(version=0))
    for step in range(before, target):
        MIGRATIONS[step](conn)
        conn.execute(version_table.update().values(version=step + 1))
    return before
