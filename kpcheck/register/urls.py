"""Which database a ``--register`` value names, the lock timeout and the schema version this
kpcheck writes: importable without the database libraries (a desk check reads a SQLite
register without them, :mod:`kpcheck.register.quick`)."""

from __future__ import annotations

import math
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from kpcheck.i18n.labels import N_
from kpcheck.paths import user_data_dir
from kpcheck.register.errors import UNUSABLE, RegisterError

SCHEMA_VERSION = 6  # = the number of migrations in kpcheck.register.schema
VERSION_TABLE = "kpcheck_schema"  # its one row holds the schema version of the database
DEFAULT_NAME = "default"
TIMEOUT_ENV = "KPCHECK_REGISTER_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 86_400.0  # a day: beyond it a lock is a fault, not a wait


def without_password(url: str) -> str:
    """A register URL fit for a report: its password (if any) as ``***``, as SQLAlchemy shows it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    credentials, at, host = netloc.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{path}"


def default_path() -> Path:
    """The default register: ``register.sqlite`` in the user's data folder (platformdirs;
    ``KPCHECK_DATA_DIR`` moves it). Nothing is created here: only a command that creates a
    register makes the folder."""
    folder = user_data_dir()
    if folder.exists() and not folder.is_dir():
        raise RegisterError(str(folder), code=UNUSABLE, template=N_("the data folder (KPCHECK_DATA_DIR) is a file, not a folder"))
    return folder / "register.sqlite"


def timeout() -> float:
    """Seconds to wait for a lock (``KPCHECK_REGISTER_TIMEOUT``, default 30)."""
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise RegisterError(
            TIMEOUT_ENV, code=UNUSABLE, template=N_("{value} is not a number of seconds"), args={"value": repr(raw)}
        ) from None
    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT:
        raise RegisterError(
            TIMEOUT_ENV,
            code=UNUSABLE,
            template=N_("{value} must be a number of seconds above 0 and at most {most}"),
            args={"value": repr(raw), "most": f"{MAX_TIMEOUT:g}"},
        )
    return value


def shown(url: str) -> str:
    """A URL fit for a message: the password hidden (SQLAlchemy is imported only here, for a message)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


def database_url(name: str | None) -> str:
    """The SQLAlchemy URL of a ``--register`` value (``None`` or ``default``: the default file).
    Nothing is opened or created; a register in memory, a malformed URL or a path whose folder
    does not exist is refused (:class:`RegisterError`)."""
    if not name or name == DEFAULT_NAME:
        return f"sqlite:///{default_path()}"
    if name.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        url = "postgresql+psycopg://" + name.split("://", 1)[1]
        _check_server_url(name, url)
        return url
    if name.startswith("sqlite:"):
        return f"sqlite:///{_sqlite_file(name)}"
    if "://" in name:
        scheme = name.split("://", 1)[0]
        raise RegisterError(
            shown(name),
            code=UNUSABLE,
            template=N_("unsupported register URL scheme {scheme}; give a file path, sqlite:///PATH or postgresql://user@host/db"),
            args={"scheme": repr(scheme)},
        )
    return f"sqlite:///{_file(name, Path(name).expanduser())}"


_IN_MEMORY = N_("a register in memory would keep nothing; give a file path or sqlite:///PATH")
_THREE_SLASHES = N_("a SQLite register is sqlite:///PATH (three slashes, then the file)")


def _sqlite_file(name: str) -> Path:
    """The file a ``sqlite:`` URL names; every in-memory form (``sqlite://``, ``sqlite:///``,
    ``:memory:``, ``mode=memory``, ``file::memory:``) and every URL option is refused."""
    if not name.startswith("sqlite:///"):
        memory = name.rstrip("/") in ("sqlite:", "sqlite:/") or "memory" in name
        raise RegisterError(name, code=UNUSABLE, template=_IN_MEMORY if memory else _THREE_SLASHES)
    parts = urlsplit(name)
    path = unquote(name[len("sqlite:///") :].split("?", 1)[0])
    query = parse_qs(parts.query)
    if not path or ":memory:" in path or "memory" in query.get("mode", []) or path.startswith("file:"):
        raise RegisterError(name, code=UNUSABLE, template=_IN_MEMORY)
    if parts.query:
        raise RegisterError(
            name,
            code=UNUSABLE,
            template=N_("options after '?' ({options}) are not taken; give the file alone"),
            args={"options": parts.query},
        )
    return _file(name, Path(path))


def _file(name: str, path: Path) -> Path:
    if path.is_dir():
        raise RegisterError(
            name,
            code=UNUSABLE,
            template=N_("is a folder; the register is a file (for example {path})"),
            args={"path": f"{name.rstrip('/')}/register.sqlite"},
        )
    if not path.parent.is_dir():
        raise RegisterError(name, code=UNUSABLE, template=N_("the folder {folder} does not exist"), args={"folder": str(path.parent)})
    return path.resolve()


def _check_server_url(name: str, url: str) -> None:
    """A PostgreSQL URL whose host and port parse, else a clear refusal."""
    try:
        urlsplit(url).port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        if "IPv6" in str(exc):
            template = N_("not a usable register URL ({reason}; an IPv6 address goes in brackets: postgresql://user@[::1]:5432/db)")
        else:
            template = N_("not a usable register URL ({reason})")
        raise RegisterError(shown(name), code=UNUSABLE, template=template, args={"reason": str(exc)}) from None


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL :func:`database_url` made, or None for a server."""
    return Path(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else None
