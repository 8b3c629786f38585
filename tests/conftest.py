"""Shared fixtures: the shipped rulebook, reference data and both evaluators."""

from __future__ import annotations

import atexit
import copy
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

# The tests (and the kpcheck processes they start) keep their rulebook cache in a folder of
# their own, removed at the end, and never write into the user's cache folder.
_TEST_CACHE = tempfile.mkdtemp(prefix="kpcheck-test-cache-")
os.environ["KPCHECK_CACHE_DIR"] = _TEST_CACHE
atexit.register(shutil.rmtree, _TEST_CACHE, True)

from kpcheck.engine import Engine, durable  # noqa: E402 - after the cache folder is set
from kpcheck.reference.queries import load_reference  # noqa: E402
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the project's scripts import as tools.<name>
    sys.path.insert(0, str(ROOT))
ENGINE_KINDS = ["python"] + (["durable"] if durable.AVAILABLE else [])


@pytest.fixture(scope="session")
def book():
    return load_rulebook(RULES_DIR)


@pytest.fixture(scope="session")
def reference():
    return load_reference(RULES_DIR)


@pytest.fixture(scope="session")
def engines(book, reference):
    """One engine of each kind for the whole session (durable_rules: one engine per process)."""
    return {kind: Engine(book, reference, kind) for kind in ENGINE_KINDS}


def base(name: str = "compliant-export") -> dict:
    return copy.deepcopy(json.loads((RULES_DIR / "bases" / f"{name}.json").read_text()))


# ---- the desk (kpcheck serve): a real uvicorn server in its own process, for live and browser tests

SERVE_TOKEN = "desk-test-token-0123456789"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_desk(*options: str, env: dict | None = None):
    """``kpcheck serve`` on a free loopback port; returns (process, base URL) once /healthz answers."""
    import os
    import subprocess
    import sys
    import tempfile
    import time
    import urllib.request

    port = free_port()
    cmd = [sys.executable, "-c", "from kpcheck.cli.main import main; main()", "serve", "--port", str(port), *options]
    log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: the access log must never block the server
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KPCHECK_") or k in _KEPT_VARIABLES}
    clean["KPCHECK_CONFIG_DIR"] = tempfile.mkdtemp(prefix="kpcheck-no-user-config-")  # no user settings
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**clean, **(env or {})}, stdout=subprocess.DEVNULL, stderr=log, text=True)
    proc.log = log  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):  # up to a minute on a busy machine
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"kpcheck serve exited {proc.returncode}: {log.read()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("kpcheck serve did not answer /healthz within a minute")


def stop_desk(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except Exception:
        proc.kill()
        proc.wait()
    proc.log.close()


@pytest.fixture(scope="session")
def desk_url():
    """The desk served for the whole session (no token), as a controller starts it."""
    proc, url = start_desk()
    yield url
    stop_desk(proc)


# Settings of the person running the tests never reach them: no user configuration folder and
# no KPCHECK_<OPTION> variable (kpcheck.cli.settings); the cache variables stay. `rules lint`
# measures the calendar's horizon from a fixed day (KPCHECK_TODAY is its --today), so that no
# test depends on the day it runs; tests of that warning give --today themselves.
FIXED_TODAY = "2025-06-01"
_KEPT_VARIABLES = {"KPCHECK_CACHE_DIR", "KPCHECK_NO_CACHE"}


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch, tmp_path_factory):
    import os

    monkeypatch.setenv("KPCHECK_CONFIG_DIR", str(tmp_path_factory.getbasetemp() / "no-user-config"))
    for name in list(os.environ):
        if name.startswith("KPCHECK_") and name not in _KEPT_VARIABLES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("KPCHECK_TODAY", FIXED_TODAY)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the session; under CI=true its absence fails the tests."""
    from pg_server import Server, ServerUnavailable

    server = None
    try:
        server = Server()
        server.start()
    except ServerUnavailable as exc:
        if server is not None:
            server.stop()
        unavailable(f"PostgreSQL server unavailable: {exc}")
    yield server
    server.stop()


_databases = iter(range(1, 10**6))


@pytest.fixture(params=["sqlite", "postgresql"])
def register_url(request, tmp_path):
    """A fresh, empty register on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "register.sqlite")
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"kpcheck_test_{next(_databases)}")


# Debian's Chromium as every browser test and tools/gen_desk_screenshot.py start it: headless, and
# without the background connections this machine's closed network refuses
CHROMIUM = os.environ.get("KPCHECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def unavailable(reason: str) -> None:
    """A real server or browser a test needs is missing: a failure in CI, a skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"this test must run in CI: {reason}")
    pytest.skip(reason)


# ---- markers: ``pytest -m "not slow"`` is the inner loop --------------------------------------

# whole files that start real servers or processes, drive a browser, build packages or check
# big generated batches (registered in pyproject.toml's [tool.pytest.ini_options] markers)
SLOW_FILES = {
    "test_serve_browser.py": "browser",
    "test_serve_desk_browser.py": "browser",
    "test_serve_live.py": "server",
    "test_hostile.py": "hostile",
    "test_packaging.py": "package",
    "test_lean_exit.py": "processes",
    "test_register_concurrency.py": "processes",
    "test_reliability.py": "processes",
    "test_reliability_two.py": "processes",
    "test_workers.py": "processes",
    "test_compiled.py": "big batch",
    "test_property.py": "big batch",
    "test_generate.py": "big batch",
    "test_audit_parts.py": "big batch",
    "test_rules_coverage.py": "big batch",
    "test_annual_report.py": "documents",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what is slow: the files above, every test on PostgreSQL (``postgresql``) and every
    test in Chromium (``browser``), wherever they are."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_postgres = "postgres_server" in fixtures or params.get("register_url") == "postgresql"
        in_browser = bool({"browser", "page", "chromium"} & fixtures) or SLOW_FILES.get(item.path.name) == "browser"
        if on_postgres:
            item.add_marker(pytest.mark.postgresql)
        if in_browser:
            item.add_marker(pytest.mark.browser)
        if on_postgres or in_browser or item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


# ---- the command line, in process: every test runs kpcheck through this one helper --------------


def kpcheck(*args: object, env: dict[str, str] | None = None, input: str | bytes | None = None, catch_exceptions: bool = True) -> Result:
    """``kpcheck ARGS...`` run in process by click's test runner (arguments as text); its
    exit code, standard output and error are the result's. ``catch_exceptions=False`` lets an
    exception of kpcheck's own through to the test (an exit is always caught)."""
    from kpcheck.cli.main import main

    return CliRunner().invoke(main, [str(a) for a in args], env=env, input=input, catch_exceptions=catch_exceptions)


@pytest.fixture
def cli():
    """The command line in process (:func:`kpcheck`), for tests that take it as a fixture."""
    return kpcheck
