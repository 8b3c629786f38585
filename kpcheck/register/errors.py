"""The register's one error type, importable without loading the database libraries."""


class RegisterError(Exception):
    """The register cannot be opened, read or written; nothing was checked against it."""
