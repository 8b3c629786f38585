"""What an amendment would change in the decisions already taken: ``rules impact --register URL``.

Every decision of the register (the submission as stored, its status, its findings, when, by
whom, under which rulebook) is replayed: its submission is checked under the rulebook in force
(``--old``, default the shipped one) and under the amended one (``--new``), the same way, on one
submission (the checks across submissions and the waivers are the register's history and are left
as they were). A decision is listed when the two replays differ: the amendment, and nothing
else, changes it. Its new findings are the recorded ones with the rules the amendment adds and
removes; its new status is the new replay's when the recorded status agrees with the old replay,
else the recorded one (decided under other conditions that the amendment does not touch).

The register is opened read-only (SQLite ``mode=ro``, PostgreSQL read-only transactions) and
never migrated: a register of another schema version is refused. Rendering (text, CSV, HTML)
is :mod:`kpcheck.tooling.register_impact_render`'s.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from kpcheck.register import schema
from kpcheck.register.errors import MISSING, NEWER, UNUSABLE, RegisterError
from kpcheck.register.store import Register
from kpcheck.register.urls import database_url, sqlite_path
from kpcheck.rulebook.loader import RULES_DIR
from kpcheck.tooling.impact import UNKNOWN_YEAR, SameRulebook, amendment_days, load_side, period_labels, period_of


@dataclass(frozen=True)
class DecisionChange:
    """One recorded decision the amendment would change."""

    decision: int
    certificate: str
    direction: str
    presented_on: dt.date
    decided_at: str
    decided_by: str | None
    command: str
    status_before: str
    status_after: str
    findings_before: tuple[str, ...]
    findings_after: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    rulebook_before: str  # the hash the decision was taken under
    rulebook_after: str
    period: str


@dataclass
class RegisterImpact:
    old: dict[str, str]
    new: dict[str, str]
    register: str
    cuts: tuple[dt.date, ...] = ()
    decisions: int = 0
    unreadable: int = 0
    changes: list[DecisionChange] = field(default_factory=list)
    periods: dict[str, Counter[str]] = field(default_factory=dict)  # period -> {"decisions", "changed"}
    rules: dict[str, dict[str, int]] = field(default_factory=dict)  # rule -> {"added", "removed"}


def open_read_only(name: str) -> Register:
    """The register ``name`` opened so that nothing can be written and nothing is migrated."""
    url = database_url(name)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise RegisterError(str(path), "no register here", MISSING)
    register, version = Register.probe(url)
    if version != schema.VERSION:
        register.close()
        if version > schema.VERSION:
            raise RegisterError(register.shown, str(schema.NewerSchema.of(version)), NEWER)
        what = "holds no register" if version == 0 else f"has the register schema {version}, older than this kpcheck's {schema.VERSION}"
        raise RegisterError(
            register.shown,
            f"the database {what}; impact only reads a register (a writing command such as `kpcheck register init URL` migrates it)",
            MISSING if version == 0 else UNUSABLE,
        )
    return register


def recorded(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every decision with its submission and its findings' rules, in the order taken."""
    s, d, f = schema.submissions, schema.decisions, schema.findings
    rules: dict[int, list[str]] = {}
    for pk, rule in conn.execute(select(f.c.decision, f.c.rule).order_by(f.c.pk)):
        rules.setdefault(pk, []).append(rule)
    query = (
        select(
            d.c.pk,
            d.c.decided_at,
            d.c.decided_by,
            d.c.command,
            d.c.status,
            d.c.rulebook_sha256,
            s.c.pk.label("submission"),
            s.c.raw_number,
            s.c.direction,
            s.c.presented_on,
            s.c.canonical,
        )
        .join(s, s.c.pk == d.c.submission)
        .order_by(d.c.pk)
    )
    for row in conn.execute(query).mappings():
        yield {**row, "rules": tuple(sorted(set(rules.get(row["pk"], ()))))}


def register_impact(
    old_dir: Path | str | None, new_dir: Path | str, register: str, registers: Path | str | None = None, engine: str | None = None
) -> RegisterImpact:
    """Replay every decision of ``register`` under the old and the new rulebook (see the module)."""
    old = load_side("old", old_dir or RULES_DIR, registers, engine)
    new = load_side("new", new_dir, registers, engine)
    if old.rules_sha256 == new.rules_sha256:
        raise SameRulebook(old.rules_sha256)
    report = RegisterImpact(
        {"version": old.book.version, "sha256": old.rules_sha256},
        {"version": new.book.version, "sha256": new.rules_sha256},
        "",
        amendment_days(old.book, new.book),
    )
    for label in period_labels(report.cuts):
        report.periods[label] = Counter()
    store = open_read_only(register)
    report.register = store.shown
    replays: dict[int, Any] = {}
    try:
        with store.reading() as conn:
            for row in recorded(conn):
                _replay(report, row, old, new, replays)
    finally:
        store.close()
    return report


def _status(value: Any) -> str:
    return str(getattr(value, "value", value))


def _replay(report: RegisterImpact, row: dict[str, Any], old: Any, new: Any, replays: dict[int, Any]) -> None:
    report.decisions += 1
    period = (
        period_of(report.cuts, row["presented_on"])
        if report.cuts
        else str(row["presented_on"].year)
        if row["presented_on"]
        else UNKNOWN_YEAR
    )
    counts = report.periods.setdefault(period, Counter())
    counts["decisions"] += 1
    pair = replays.get(row["submission"])
    if pair is None:
        doc = json.loads(row["canonical"])
        pair = replays[row["submission"]] = (
            old.check_data(doc, f"register:{row['submission']}"),
            new.check_data(doc, f"register:{row['submission']}"),
        )
    before, after = pair
    if before.error or after.error:
        report.unreadable += 1
        return
    old_rules, new_rules = {x.rule for x in before.findings}, {x.rule for x in after.findings}
    if _status(before.status) == _status(after.status) and old_rules == new_rules:
        return
    added, removed = tuple(sorted(new_rules - old_rules)), tuple(sorted(old_rules - new_rules))
    taken = set(row["rules"])
    after_rules = tuple(sorted((taken - set(removed)) | set(added)))
    status_after = _status(after.status) if _status(before.status) == row["status"] else row["status"]
    counts["changed"] += 1
    for rule in added:
        report.rules.setdefault(rule, {"added": 0, "removed": 0})["added"] += 1
    for rule in removed:
        report.rules.setdefault(rule, {"added": 0, "removed": 0})["removed"] += 1
    report.changes.append(
        DecisionChange(
            row["pk"],
            row["raw_number"],
            row["direction"],
            row["presented_on"],
            row["decided_at"].isoformat(timespec="seconds") if hasattr(row["decided_at"], "isoformat") else str(row["decided_at"]),
            row["decided_by"],
            row["command"],
            row["status"],
            status_after,
            row["rules"],
            after_rules,
            added,
            removed,
            row["rulebook_sha256"],
            report.new["sha256"],
            period,
        )
    )
