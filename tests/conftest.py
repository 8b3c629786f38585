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
