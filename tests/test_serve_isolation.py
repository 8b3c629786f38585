"""Concurrent checks through one :class:`CheckService` never see each other's facts or language.

Thread switches are forced to be very frequent here (``sys.setswitchinterval``), so that an
engine driven from several threads at once would mix facts (engine notes 7) and a language
set for one request would leak into another; the service's single worker thread keeps them apart.
"""

from __future__ import annotations

import asyncio
import sys

import pytest
from conftest import ROOT

from kpcheck.api import Checker
from kpcheck.serve.service import CheckService

FIXTURES = sorted((ROOT / "fixtures" / "submissions").glob("*.json"))
LANGS = ("en", "ru", "kk")


@pytest.fixture(scope="module")
def service():
    svc = CheckService(Checker.load())
    yield svc
    svc.close()


def test_concurrent_checks_match_the_same_checks_one_by_one(service):
    cases = [(FIXTURES[i % len(FIXTURES)], LANGS[i % len(LANGS)]) for i in range(240)]

    async def one(path, lang):
        return (await service.check(path.read_bytes(), "json", path.name, lang)).report

    async def alone():
        return {c: await one(*c) for c in sorted(set(cases))}

    async def together():
        return await asyncio.gather(*(one(*c) for c in cases))

    expected = asyncio.run(alone())
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        reports = asyncio.run(together())
    finally:
        sys.setswitchinterval(before)
    wrong = [c for c, report in zip(cases, reports) if report != expected[c]]
    assert not wrong, f"{len(wrong)} of {len(cases)} concurrent checks differ: {wrong[:3]}"
