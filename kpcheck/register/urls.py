"""Which database a ``--register`` value names, the lock timeout and the schema version this
kpcheck writes: importable without the database libraries (a desk check reads a SQLite
register without them, :mod:`kpcheck.register.quick`)."""

from __future__ import annotations

import os
from pathlib import Path

from kpcheck.paths import user_data_dir
from kpcheck.register.errors import UNUSABLE, RegisterError

SCHEMA_VERSION = 3  # = the number of migrations in kpcheck.register.schema
VERSION_TABLE = "kpcheck_schema"  # its one row holds the schema version of the database
DEFAULT_NAME = "default"
TIMEOUT_ENV = "KPCHECK_REGISTER_TIMEOUT"
DEFAULT_TIMEOUT = 30.0


def default_path() -> Path:
    """The default register: ``register.sqlite`` in the user's data folder (platformdirs;
    ``KPCHECK_DATA_DIR`` moves it)."""
    return user_data_dir() / "register.sqlite"


def timeout() -> float:
    """Seconds to wait for a lock (``KPCHECK_REGISTER_TIMEOUT``, default 30)."""
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise RegisterError(TIMEOUT_ENV, f"{raw!r} is not a number of seconds", UNUSABLE) from None
    if value <= 0:
        raise RegisterError(TIMEOUT_ENV, f"{raw!r} must be more than 0 seconds", UNUSABLE)
    return value


def database_url(name: str | None) -> str:
    """The SQLAlchemy URL of a ``--register`` value (``None`` or ``default``: the default file)."""
    if not name or name == DEFAULT_NAME:
        path = default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if name.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + name.split("://", 1)[1]
    if name.startswith(("postgresql+psycopg://", "sqlite:///")):
        return name
    if name.rstrip("/") in ("sqlite:", "sqlite:/") or name.startswith("sqlite://:memory:"):
        raise RegisterError(name, "a register in memory would keep nothing; give a file path or sqlite:///PATH", UNUSABLE)
    if "://" in name:
        scheme = name.split("://", 1)[0]
        from kpcheck.register.connect import shown

        raise RegisterError(
            shown(name),
            f"unsupported register URL scheme {scheme!r}; give a file path, sqlite:///PATH or postgresql://user@host/db",
            UNUSABLE,
        )
    path = Path(name).expanduser()
    if path.is_dir():
        raise RegisterError(name, f"is a folder; the register is a file (for example {name}/register.sqlite)", UNUSABLE)
    if not path.parent.is_dir():
        raise RegisterError(name, f"the folder {path.parent} does not exist", UNUSABLE)
    return f"sqlite:///{path.resolve()}"
