"""Shared fixtures: the shipped rulebook, reference data and both evaluators."""

from __future__ import annotations

import atexit
import copy
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The tests (and the kpcheck processes they start) keep their rulebook cache in a folder of
# their own, removed at the end, and never write into the user's cache folder.
_TEST_CACHE = tempfile.mkdtemp(prefix="kpcheck-test-cache-")
os.environ["KPCHECK_CACHE_DIR"] = _TEST_CACHE
atexit.register(shutil.rmtree, _TEST_CACHE, True)

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
