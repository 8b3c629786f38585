"""The intra-EAEU scoping note (rulebook.md, "EAEU"): a shipment to or from an EAEU member is not
a third country, so EAEU-01/02 do not apply, while the KP certificate rules still fire."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpcheck.api import Checker
from kpcheck.engine import durable

ROOT = Path(__file__).parents[1]
FIXTURE = ROOT / "fixtures" / "submissions" / "eaeu-intra-ru-export.json"
ENGINES = ["python"] + (["durable"] if durable.AVAILABLE else [])
DEFECT_RULES = ("COND-01", "COND-02", "COND-05")  # erasures, stains, no seal


@pytest.fixture(scope="module", params=ENGINES)
def checker(request: pytest.FixtureRequest) -> Checker:
    return Checker.load(engine=request.param)


def test_intra_eaeu_export_gets_no_eaeu_01_02_but_certificate_rules_fire(checker: Checker) -> None:
    (result,) = list(checker.check_paths([FIXTURE]))
    assert result.status != "error", result.error
    fired = {f.rule for f in result.findings}
    not_applicable = {n.rule: n.reason for n in result.not_applicable}

    # EAEU-01/02: not applicable, because Russia is an EAEU member (no third country)
    for rule in ("EAEU-01", "EAEU-02"):
        assert rule not in fired
        assert rule in not_applicable
        assert not_applicable[rule].startswith("intra-EAEU shipment")

    # the certificate's defects are still findings (COND), so the submission is invalid
    cond = {r for r in fired if r.startswith("COND-")}
    assert cond, "no COND finding on a stained, erased, unsealed certificate"
    for rule in DEFECT_RULES:
        if checker.book.get(rule) is not None:
            assert rule in fired
    assert result.status == "invalid"

    # EAEU-03 is not limited to third countries: it is evaluated (and the codes match)
    assert "EAEU-03" not in not_applicable
    assert "EAEU-03" not in fired
