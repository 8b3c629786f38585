"""The rulebook cache: fast, and never a way to run someone else's code."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import platformdirs
import pytest

from kpcheck.rulebook import cache
from kpcheck.rulebook.loader import RULES_DIR

MARKER = Path("/tmp") / f"kpcheck-cache-test-marker-{os.getpid()}"


class Planted:
    """Unpickling this runs code: it creates MARKER."""

    def __reduce__(self):
        return (Path.touch, (MARKER,))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    where = tmp_path / "cache"
    monkeypatch.setenv("KPCHECK_CACHE_DIR", str(where))
    monkeypatch.delenv("KPCHECK_NO_CACHE", raising=False)
    MARKER.unlink(missing_ok=True)
    yield where
    MARKER.unlink(missing_ok=True)


def loader(value=("fresh",)):
    calls = []

    def load():
        calls.append(1)
        return value, []

    return load, calls


def test_a_stored_entry_is_used(folder):
    load, calls = loader()
    assert cache.cached(RULES_DIR, None, load) == (("fresh",), [])
    assert cache.cached(RULES_DIR, None, load) == (("fresh",), [])
    assert len(calls) == 1
    assert (folder / "secret.key").stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o077 == 0


def test_a_planted_pickle_is_never_run(folder):
    folder.mkdir(mode=0o700)
    key = cache.cache_key(RULES_DIR, None)
    payload = pickle.dumps(Planted())
    for name in (f"{key}.pickle", f"{key}{cache.SUFFIX}"):
        (folder / name).write_bytes(payload)
    (folder / f"{key}x{cache.SUFFIX}").write_bytes(cache.MAGIC + b"\0" * 32 + payload)
    load, calls = loader()
    assert cache.cached(RULES_DIR, None, load) == (("fresh",), [])
    assert calls == [1] and not MARKER.exists()


def test_an_entry_signed_with_another_secret_is_ignored(folder):
    load, calls = loader()
    cache.cached(RULES_DIR, None, load)
    (folder / "secret.key").write_bytes(os.urandom(32))
    cache.cached(RULES_DIR, None, load)
    assert len(calls) == 2


def test_an_authenticated_entry_of_the_wrong_shape_is_rebuilt(folder):
    folder.mkdir(mode=0o700)
    secret = cache.user_secret(folder)
    key = cache.cache_key(RULES_DIR, None)
    cache._store(folder, folder / f"{key}{cache.SUFFIX}", key, secret, {"not": "a rulebook"})
    load, calls = loader()
    assert cache.cached(RULES_DIR, None, load, lambda v: isinstance(v, tuple)) == (("fresh",), [])
    assert calls == [1]


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_folder_writable_by_others_is_not_used(folder):
    folder.mkdir()
    folder.chmod(0o777)
    load, calls = loader()
    cache.cached(RULES_DIR, None, load)
    cache.cached(RULES_DIR, None, load)
    assert len(calls) == 2 and list(folder.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_secret_readable_by_others_is_not_used(folder):
    folder.mkdir(mode=0o700)
    (folder / "secret.key").write_bytes(os.urandom(32))
    (folder / "secret.key").chmod(0o644)
    assert cache.user_secret(folder) is None


def test_a_folder_of_another_user_is_not_used(folder, monkeypatch):
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(folder).st_uid + 1)
    assert not cache.safe_folder(folder)


def test_old_entries_are_pruned(folder):
    folder.mkdir(mode=0o700)
    now = time.time()
    for i in range(cache.KEEP + 4):
        path = folder / f"{i:064x}{cache.SUFFIX}"
        path.write_bytes(b"x")
        os.utime(path, (now - i * 3600, now - i * 3600))
    stale = folder / f"{99:064x}{cache.SUFFIX}"
    stale.write_bytes(b"x")
    os.utime(stale, (now - 40 * 86400, now - 40 * 86400))
    cache.prune(folder, now=now)
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == cache.KEEP and stale.name not in left
    assert f"{0:064x}{cache.SUFFIX}" in left


def test_a_load_whose_files_change_meanwhile_is_not_stored(folder, monkeypatch):
    keys = iter(["a" * 64, "b" * 64])
    monkeypatch.setattr(cache, "cache_key", lambda rules, registers: next(keys))
    load, _calls = loader()
    cache.cached(RULES_DIR, None, load)
    assert not any(p.suffix == cache.SUFFIX for p in folder.iterdir())


def test_the_user_cache_folder_comes_from_platformdirs(monkeypatch):
    monkeypatch.delenv("KPCHECK_CACHE_DIR", raising=False)
    monkeypatch.delenv("KPCHECK_NO_CACHE", raising=False)
    assert cache.cache_dir() == Path(platformdirs.user_cache_dir("kpcheck", appauthor=False))


def test_the_tests_never_use_the_users_cache():
    assert Path(os.environ["KPCHECK_CACHE_DIR"]) != Path(platformdirs.user_cache_dir("kpcheck", appauthor=False))


DESK_PROBE = """
import atexit, runpy, sys
sys.argv = ["kpcheck", "check", "-q", sys.argv[1]]
# a desk check ends with os._exit once its exit handlers ran (kpcheck.cli.entry): the probe is one
atexit.register(lambda: print(" ".join(sorted(sys.modules)), file=sys.__stderr__, flush=True))
runpy.run_module("kpcheck", run_name="__main__")
"""


def test_a_warm_desk_check_of_a_json_file_imports_only_what_it_needs(tmp_path):
    """Start-up time (issue 13): a desk check from a warm cache reads no YAML, no waivers, no
    register, no audit machinery and no package metadata of kpcheck's own (not timed: which
    modules load is what decides the time)."""
    import subprocess
    import sys

    env = {**os.environ, "KPCHECK_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("KPCHECK_NO_CACHE", None)
    base = str(RULES_DIR / "bases" / "compliant-export.json")
    for _ in range(2):  # the first run fills the cache
        done = subprocess.run([sys.executable, "-c", DESK_PROBE, base], env=env, capture_output=True, text=True, check=True)
    modules = set(done.stderr.split())
    assert "kpcheck.engine" in modules and "kpcheck.input.models" in modules  # the probe saw a real check
    for heavy in (
        "ruamel.yaml",
        "kpcheck.waivers",
        "sqlalchemy",
        "kpcheck.register.store",
        "kpcheck.batch.audit",
        "kpcheck.batch.workers",
        "starlette",
        "kpcheck.tooling.lint",
        "importlib.metadata",  # pydantic's plugin scan (kpcheck.cli.entry.no_plugin_scan)
        "email",
    ):
        assert heavy not in modules, heavy


def test_generated_code_is_compiled_once_and_a_planted_code_entry_never_runs(folder):
    source = "def answer():\n    return 42\n"
    first = cache.compiled(source, "<test>")
    entries = list(folder.glob(f"code-*{cache.SUFFIX}"))
    assert len(entries) == 1
    again = cache.compiled(source, "<test>")
    assert again.co_consts == first.co_consts and again is not first  # read back from the entry
    namespace: dict = {}
    exec(again, namespace)
    assert namespace["answer"]() == 42
    # a forged entry (code that would create MARKER, signed with no valid key) is ignored
    planted = compile(f"import pathlib\npathlib.Path({str(MARKER)!r}).touch()\n", "<planted>", "exec")
    import marshal

    entries[0].write_bytes(cache.MAGIC + b"\0" * 32 + marshal.dumps(planted))
    namespace = {}
    exec(cache.compiled(source, "<test>"), namespace)
    assert namespace["answer"]() == 42 and not MARKER.exists()


def test_without_a_cache_the_code_is_compiled_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("KPCHECK_NO_CACHE", "1")
    namespace: dict = {}
    exec(cache.compiled("x = 1\n", "<test>"), namespace)
    assert namespace["x"] == 1


def test_an_edited_module_of_kpcheck_is_a_new_key(tmp_path, monkeypatch):
    """kpcheck's own modules count by path, size and time of last change (in nanoseconds): an
    edit that keeps the size is a new key, a module added too; bytecode files are not looked at."""
    source = tmp_path / "kpcheck"
    (source / "engine" / "__pycache__").mkdir(parents=True)
    (source / "__init__.py").write_text("x = 1\n")
    module = source / "engine" / "plan.py"
    module.write_text("y = 2\n")
    monkeypatch.setattr(cache, "_SOURCE", source)
    first = cache.source_stamp()
    assert first.count(b"\n") == 2 and b"plan.py" in first
    (source / "engine" / "__pycache__" / "plan.cpython-311.pyc").write_bytes(b"\0")
    assert cache.source_stamp() == first
    info = module.stat()
    module.write_text("y = 3\n")  # the same size
    os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns + 1))
    edited = cache.source_stamp()
    assert edited != first
    (source / "engine" / "codegen.py").write_text("")
    assert cache.source_stamp() not in (first, edited)
    monkeypatch.setattr(cache, "_SOURCE", tmp_path / "kpcheck.zip" / "kpcheck")  # imported from a zip: nothing to stamp
    assert cache.source_stamp() == b""
