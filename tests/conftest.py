"""Shared fixtures: the shipped rulebook, reference data and both evaluators."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from kpcheck.engine import Engine, durable
from kpcheck.reference.queries import load_reference
from kpcheck.rulebook.loader import RULES_DIR, load_rulebook

ROOT = Path(__file__).resolve().parents[1]
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
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run: {exc}")
        pytest.skip(f"PostgreSQL server unavailable: {exc}")
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
