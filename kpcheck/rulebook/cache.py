"""A cache of loaded rulebooks and reference data, so that a desk check starts fast.

Parsing some fifty YAML files with line numbers takes seconds in pure Python. After a
rulebook and its reference data have loaded *without any problem*, both are pickled under
a key that is the SHA-256 of every file they were read from, of kpcheck's own source, and
of the folders' paths. Any change to any of them is a new key, so a stale entry is never
used; an unreadable entry is ignored. ``KPCHECK_CACHE_DIR`` moves the cache,
``KPCHECK_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Callable

from kpcheck import __version__
from kpcheck.reference.queries import register_paths
from kpcheck.rulebook.loader import rule_files

_SOURCE = Path(__file__).resolve().parents[1]


def cache_dir() -> Path | None:
    if os.environ.get("KPCHECK_NO_CACHE"):
        return None
    given = os.environ.get("KPCHECK_CACHE_DIR")
    base = Path(given) if given else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kpcheck"
    return base


def cache_key(rules_dir: Path, registers_dir: Path | None) -> str:
    """SHA-256 over every input of a load; unreadable inputs make the load itself report them."""
    digest = hashlib.sha256(f"{__version__}\0{rules_dir.resolve()}\0{registers_dir}\0".encode())
    registers, _ = register_paths(registers_dir)
    files = sorted(_SOURCE.rglob("*.py")) + [rules_dir / "rulebook.yaml"] + rule_files(rules_dir) \
        + sorted((rules_dir / "reference").glob("*")) + [registers[name] for name in sorted(registers)]
    for path in files:
        digest.update(str(path).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0missing\0")
    return digest.hexdigest()


def cached(rules_dir: Path, registers_dir: Path | None, load: Callable[[], tuple[Any, list]]) -> tuple[Any, list]:
    """``load()`` returns (value, errors); a value loaded without errors is cached."""
    where = cache_dir()
    if where is None:
        return load()
    path = where / f"{cache_key(rules_dir, registers_dir)}.pickle"
    try:
        with path.open("rb") as stream:
            return pickle.load(stream), []
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass
    value, errors = load()
    if not errors:
        _store(where, path, value)
    return value, errors


def _store(where: Path, path: Path, value: Any) -> None:
    try:
        where.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=where, delete=False, suffix=".tmp") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(stream.name, path)
    except OSError:
        pass  # a cache that cannot be written only costs time
