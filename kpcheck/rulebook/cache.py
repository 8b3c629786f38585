"""A cache of loaded rulebooks and reference data, so that a desk check starts fast.

Parsing some fifty YAML files with line numbers takes seconds in pure Python. After a
rulebook and its reference data have loaded *without any problem*, both are stored under a
key that is the SHA-256 of every file they were read from, of the name, size and time of last
change of each of kpcheck's own modules (as Python's bytecode cache tells a changed module),
and of the folders' paths. Any change to any of them is a new key, so a stale entry is never
used.

An entry is a pickle, and unpickling runs code, so an entry is used only when it carries an
HMAC-SHA256 (over its key and its bytes) made with a per-user secret kept in the cache folder
(created 0600), and only from a folder that belongs to the user and that nobody else can
write to; anything else is ignored. An entry that authenticates but is not of the expected
shape is ignored and rebuilt. Entries not used for :data:`MAX_AGE_DAYS` days, and all but the
:data:`KEEP` most recently used, are pruned when a new one is stored. A load whose files
changed while it ran is not stored (the key would not match what was read).

The rulebook's generated code (:mod:`kpcheck.engine.codegen`) is kept the same way, as
marshalled code objects keyed by the source and the Python version (:func:`compiled`), and so
is the source the libraries generate as they import (:class:`GeneratedCode`).

The folder is the user cache folder of :mod:`platformdirs` (``~/.cache/kpcheck`` on Linux);
``KPCHECK_CACHE_DIR`` moves it, ``KPCHECK_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import marshal
import os
import pickle
import secrets
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any

from kpcheck import __version__
from kpcheck.paths import user_cache_dir

_SOURCE = Path(__file__).resolve().parents[1]
MAGIC = b"kpcheck-cache-2\n"
SUFFIX = ".entry"
KEEP = 24  # entries: rulebooks, their compiled code (two scopes each), the generated code of each Python
MAX_AGE_DAYS = 30
_SECRET = "secret.key"


def cache_dir() -> Path | None:
    if os.environ.get("KPCHECK_NO_CACHE"):
        return None
    return user_cache_dir()


def cache_key(rules_dir: Path, registers_dir: Path | None) -> str:
    """SHA-256 over every input of a load; unreadable inputs make the load itself report them."""
    from kpcheck.reference.queries import register_paths  # here: the program's entry reads this module first (GeneratedCode)
    from kpcheck.rulebook.loader import rule_files

    digest = hashlib.sha256(f"{__version__}\0{rules_dir.resolve()}\0{registers_dir}\0".encode())
    digest.update(source_stamp())
    registers, _ = register_paths(registers_dir)
    files = (
        [rules_dir / "rulebook.yaml"]
        + rule_files(rules_dir)
        + sorted((rules_dir / "reference").glob("*"))
        + [registers[name] for name in sorted(registers)]
    )
    for path in files:
        digest.update(str(path).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0missing\0")
    return digest.hexdigest()


def source_stamp() -> bytes:
    """Each of kpcheck's own modules by path, size and time of last change (in nanoseconds):
    an edited module is a new key, as it is a new bytecode file for Python. Reading and hashing
    the source itself (a megabyte) took a twentieth of a warm desk check."""
    stamps, folders = [], [str(_SOURCE)]
    while folders:
        try:
            with os.scandir(folders.pop()) as found:
                for entry in found:
                    if entry.name.endswith(".py") and entry.is_file():
                        info = entry.stat()
                        stamps.append(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\n")
                    elif entry.is_dir() and entry.name != "__pycache__":
                        folders.append(entry.path)
        except OSError:  # not a folder (kpcheck imported from a zip): nothing to stamp
            continue
    return "".join(sorted(stamps)).encode()


def safe_folder(where: Path) -> bool:
    """The folder exists (or is made, 0700), is the user's own and is writable by nobody else."""
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(where, follow_symlinks=False)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def user_secret(where: Path) -> bytes | None:
    """The per-user key of the entries' HMAC: made once, 0600; None when it is not safe."""
    path = where / _SECRET
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(secrets.token_bytes(32))
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            key = stream.read(64)
    except OSError:
        return None
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    if not mine or info.st_mode & 0o077 or len(key) != 32:
        return None
    return key


def _mac(secret: bytes, key: str, payload: bytes) -> bytes:
    return hmac.new(secret, key.encode() + b"\0" + payload, hashlib.sha256).digest()


def read_entry(path: Path, key: str, secret: bytes, decode: Callable[[bytes], Any] = pickle.loads) -> Any | None:
    """The value of an authenticated entry, or None (missing, forged, damaged)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, mac, payload = data[: len(MAGIC)], data[len(MAGIC) : len(MAGIC) + 32], data[len(MAGIC) + 32 :]
    if head != MAGIC or not hmac.compare_digest(mac, _mac(secret, key, payload)):
        return None
    try:
        value = decode(payload)  # authenticated: written by this user's kpcheck
    except Exception:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept by the pruning
    return value


def usable_folder() -> tuple[Path, bytes] | None:
    """The cache folder and its signing key, or None when there is no cache or it is not safe."""
    where = cache_dir()
    if where is None or not safe_folder(where):
        return None
    secret = user_secret(where)
    return None if secret is None else (where, secret)


def cached(
    rules_dir: Path,
    registers_dir: Path | None,
    load: Callable[[], tuple[Any, list[Any]]],
    valid: Callable[[Any], bool] = lambda value: True,
) -> tuple[Any, list[Any]]:
    """``load()`` returns (value, errors); a value loaded without errors is cached.

    ``valid`` says whether a stored value has the expected shape; one that has not is rebuilt.
    """
    usable = usable_folder()
    if usable is None:
        return load()
    where, secret = usable
    key = cache_key(rules_dir, registers_dir)
    path = where / f"{key}{SUFFIX}"
    value = read_entry(path, key, secret)
    if value is not None and valid(value):
        return value, []
    value, errors = load()
    if not errors and cache_key(rules_dir, registers_dir) == key:
        _store(where, path, key, secret, value)
    return value, errors


def compiled(source: str, filename: str) -> CodeType:
    """``compile(source, filename, "exec")``, kept in the cache folder (marshalled, signed like
    every entry, keyed by the source and the Python that compiled it): the rulebook's generated
    code is compiled once, not on every desk check."""
    usable = usable_folder()
    if usable is None:
        return compile(source, filename, "exec")
    where, secret = usable
    key = hashlib.sha256(f"{sys.version}\0{filename}\0{source}".encode()).hexdigest()
    path = where / f"code-{key}{SUFFIX}"
    code = read_entry(path, key, secret, marshal.loads)
    if not isinstance(code, CodeType):
        code = compile(source, filename, "exec")
        _store(where, path, key, secret, code, marshal.dumps)
    return code


GENERATED_LIMIT = 20_000  # texts of GeneratedCode's table; past it, only one run's are kept


class GeneratedCode:
    """The code of the source that libraries generate and compile as they import: the methods
    of every dataclass (``dataclasses`` writes each ``__init__``, ``__repr__``, ``__eq__``,
    ``__hash__``... as text and ``exec``\\ s it) and the expressions of typing's forward
    references (``typing.ForwardRef`` compiles each string annotation). Python's bytecode cache
    covers modules, not these: parsing and compiling them took a fifth of a warm desk check.

    One table per Python (keyed by its version), text to code object, read once when the
    program starts and stored (signed like every entry) when a run compiled a text it did not
    hold; past :data:`GENERATED_LIMIT` texts, only those of the last run are stored. The code
    is what ``exec`` or ``compile`` of the same text makes (same file name ``<string>``, no
    inherited ``__future__`` flags, as from the modules that call them): the classes built and
    the references read are the same. :meth:`exec_` and :meth:`compile_` stand in for the
    builtins in those two modules alone (:func:`kpcheck.cli.entry.cache_generated_code`)."""

    def __init__(self, where: Path, secret: bytes, codes: dict[tuple[str, str], CodeType]):
        self.where, self.secret, self.codes = where, secret, codes
        self.key = hashlib.sha256(f"{sys.version}\0{sys.implementation.cache_tag}\0generated".encode()).hexdigest()
        self.used: set[tuple[str, str]] = set()
        self.compiled = 0  # texts compiled by this run

    @classmethod
    def load(cls) -> GeneratedCode | None:
        """The table of this Python from the cache folder (empty when there is none yet), or
        None when there is no cache or it is not safe."""
        usable = usable_folder()
        if usable is None:
            return None
        table = cls(*usable, {})
        stored = read_entry(table.path, table.key, table.secret, marshal.loads)
        if isinstance(stored, dict) and all(isinstance(code, CodeType) for code in stored.values()):
            table.codes = stored
        return table

    @property
    def path(self) -> Path:
        return self.where / f"generated-{self.key}{SUFFIX}"

    def code(self, source: str, mode: str) -> CodeType:
        """``compile(source, "<string>", mode)``, from the table when it holds the text."""
        key = (mode, source)
        code = self.codes.get(key)
        if code is None:
            code = self.codes[key] = compile(source, "<string>", mode, dont_inherit=True)
            self.compiled += 1
        self.used.add(key)
        return code

    def exec_(self, source: Any, globals: Any = None, locals: Any = None, /) -> None:
        """``exec`` (of the caller's namespaces when none are given), a text from the table."""
        if globals is None:
            frame = sys._getframe(1)
            globals, locals = frame.f_globals, frame.f_locals if locals is None else locals
        exec(self.code(source, "exec") if type(source) is str else source, globals, locals)

    def compile_(self, source: Any, filename: Any, mode: str, flags: int = 0, dont_inherit: bool = False, optimize: int = -1) -> Any:
        """``compile``: a text compiled as ``"<string>"`` with no flags from the table (the
        modules it stands in for import nothing from ``__future__``: nothing to inherit)."""
        if type(source) is str and filename == "<string>" and flags == 0 and optimize == -1:
            return self.code(source, mode)
        return compile(source, filename, mode, flags, True, optimize)

    def save(self) -> None:
        """Store the table when this run compiled a text it did not hold."""
        if not self.compiled:
            return
        codes = self.codes if len(self.codes) <= GENERATED_LIMIT else {key: self.codes[key] for key in self.used}
        _store(self.where, self.path, self.key, self.secret, codes, marshal.dumps)
        self.compiled = 0


_PICKLE = functools.partial(pickle.dumps, protocol=pickle.HIGHEST_PROTOCOL)


def _store(where: Path, path: Path, key: str, secret: bytes, value: Any, encode: Callable[[Any], bytes] = _PICKLE) -> None:
    try:
        payload = encode(value)
        with tempfile.NamedTemporaryFile(dir=where, delete=False, suffix=".tmp") as stream:
            stream.write(MAGIC + _mac(secret, key, payload) + payload)
        os.replace(stream.name, path)
    except (OSError, pickle.PicklingError, ValueError):
        return  # a cache that cannot be written only costs time
    prune(where, keep=path)


def prune(where: Path, keep: Path | None = None, now: float | None = None) -> None:
    """Remove entries unused for :data:`MAX_AGE_DAYS` days and all but the :data:`KEEP`
    most recently used, and temporary files a killed run left behind an hour ago."""
    now = time.time() if now is None else now
    entries = []
    for path in where.iterdir():
        with contextlib.suppress(OSError):
            used = path.stat().st_mtime
            if path.suffix == ".tmp" and now - used > 3600:
                path.unlink()
            elif path.suffix in (SUFFIX, ".pickle"):
                entries.append((used, path))
    entries.sort(reverse=True)
    for rank, (used, path) in enumerate(entries):
        if path != keep and (rank >= KEEP or now - used > MAX_AGE_DAYS * 86400 or path.suffix == ".pickle"):
            with contextlib.suppress(OSError):
                path.unlink()
