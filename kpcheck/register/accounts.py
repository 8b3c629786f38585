"""The desk's named accounts, kept in the register's database (``kpcheck users``).

An account is a name, a role (``controller`` records decisions, ``auditor`` only reads) and
the SHA-256 of a personal token of 32 random bytes, printed once when the account is made and
never stored. A token of 256 random bits needs no slow hash: nobody can try its hash's
pre-images; the comparison is constant-time (:func:`hmac.compare_digest`). Disabling an account
keeps its row (its name stays on the decisions it took) and refuses its token from then on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, select

from kpcheck.problems import N_, Worded
from kpcheck.register import schema
from kpcheck.register.store import Register

ROLES = ("controller", "auditor")
TOKEN_BYTES = 32
MAX_NAME = 200


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None = None

    @property
    def may_record(self) -> bool:
        return self.role == "controller" and self.disabled_at is None


class AccountError(Worded):
    """A name taken or unknown, a role not known: the command's user said something wrong."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(not ch.isprintable() for ch in name):
        raise AccountError(N_("an account name is 1 to {most} printable characters, got {name}"), most=str(MAX_NAME), name=repr(name))
    return name


def add(register: Register, name: str, role: str) -> str:
    """Make an account; returns its personal token (shown once, stored only as a hash)."""
    name = check_name(name)
    if role not in ROLES:
        raise AccountError(N_("the role is one of {roles}, got {role}"), roles=", ".join(ROLES), role=repr(role))
    token = secrets.token_urlsafe(TOKEN_BYTES)

    def work(conn: Connection) -> None:
        a = schema.accounts
        if conn.execute(select(a.c.pk).where(a.c.name == name)).first() is not None:
            raise AccountError(N_("an account named {name} exists already (kpcheck users list)"), name=repr(name))
        conn.execute(a.insert().values(name=name, role=role, token_sha256=token_hash(token), created_at=_now()))

    register.write(work)
    return token


def listed(register: Register) -> list[Account]:
    a = schema.accounts
    with register.reading() as conn:
        rows = conn.execute(select(a.c.name, a.c.role, a.c.created_at, a.c.disabled_at).order_by(a.c.name)).all()
    return [Account(*row) for row in rows]


def disable(register: Register, name: str) -> bool:
    """Refuse the account's token from now on; False when it was disabled already."""

    def work(conn: Connection) -> bool:
        a = schema.accounts
        row = conn.execute(select(a.c.pk, a.c.disabled_at).where(a.c.name == name)).first()
        if row is None:
            raise AccountError(N_("no account named {name} (kpcheck users list)"), name=repr(name))
        if row.disabled_at is not None:
            return False
        conn.execute(a.update().where(a.c.pk == row.pk).values(disabled_at=_now()))
        return True

    return register.write(work)


def signed_in(register: Register, token: str) -> Account | None:
    """The enabled account whose token this is, or None (every account compared, in constant time)."""
    wanted = token_hash(token.strip())
    a = schema.accounts
    with register.reading() as conn:
        rows = conn.execute(select(a.c.name, a.c.role, a.c.created_at, a.c.disabled_at, a.c.token_sha256)).all()
    found = None
    for row in rows:
        if hmac.compare_digest(row.token_sha256, wanted) and row.disabled_at is None:
            found = Account(row.name, row.role, row.created_at, None)
    return found


def enabled(register: Register, name: str) -> Account | None:
    """The account ``name`` while it is enabled (a session is worth only as much)."""
    a = schema.accounts
    with register.reading() as conn:
        row = conn.execute(select(a.c.name, a.c.role, a.c.created_at, a.c.disabled_at).where(a.c.name == name)).first()
    if row is None or row.disabled_at is not None:
        return None
    return Account(*row)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
