"""The register's error, importable without loading the database libraries."""

from __future__ import annotations

from kpcheck.problems import KpcheckError

UNUSABLE, UNREACHABLE, LOCKED, NEWER, MISSING = "REG001", "REG002", "REG003", "REG004", "REG005"


class RegisterError(KpcheckError):
    """The register cannot be opened, read or written; nothing was checked against it.
    The location is the register (its URL, password hidden) or the setting at fault."""

    code = UNREACHABLE
