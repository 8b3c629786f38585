"""The synthetic data generator (tools/generate.py): valid, realistic, deterministic, compliant at share 0."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kpcheck.api import Checker
from kpcheck.input.models import Submission
from kpcheck.input.reader import parse_json, read_sources

ROOT = Path(__file__).parents[1]
D = date.fromisoformat


def _load_tool() -> ModuleType:
    from tools import generate

    return generate


gen = _load_tool()
# The rules each defect must raise in `check` (XREF ones need a batch, so `audit`).
DEFECT_RULES = {
    "erasures": {"COND-01"},
    "stains": {"COND-02"},
    "missing_seal": {"COND-05"},
    "unregistered_signer": {"COND-06"},
    "totals_off": {"FORM-14"},
    "act_amounts_off": {"CTRL-03"},
    "missing_coupon": {"COUP-01", "COUP-02"},
    "wrong_tnved": {"EAEU-03"},
    "expired": {"FORM-07"},
    "duplicate_late": {"DUP-01"},
}


@pytest.fixture(scope="module")
def clean() -> list[dict[str, Any]]:
    return list(gen.generate(1500, 0.0, 11))


@pytest.fixture(scope="module")
def spoiled() -> list[dict[str, Any]]:
    return list(gen.generate(1500, 1.0, 12))


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker.load(engine="python")


def test_every_submission_validates(clean: list[dict[str, Any]], spoiled: list[dict[str, Any]]) -> None:
    for sub in clean + spoiled:
        Submission.model_validate_json(json.dumps(sub))


def test_deterministic_by_seed() -> None:
    first = [json.dumps(s) for s in gen.generate(300, 0.3, 5)]
    assert first == [json.dumps(s) for s in gen.generate(300, 0.3, 5)]
    assert first != [json.dumps(s) for s in gen.generate(300, 0.3, 6)]


@pytest.mark.parametrize("share", [0.0, 0.2, 0.5, 1.0])
def test_violation_share_roughly_respected(share: float) -> None:
    subs = list(gen.generate(3000, share, 21))
    spoilt = sum(1 for s in subs if s["extensions"]["defects"]) / len(subs)
    assert abs(spoilt - share) < 0.03


def test_share_zero_is_compliant(clean: list[dict[str, Any]], checker: Checker) -> None:
    results = [checker.check_loaded(parse_json(json.dumps(s).encode(), s["id"])) for s in clean[::7][:200]]
    assert len(results) == 200
    wrong = {r.submission: [f.rule for f in r.findings] for r in results if r.status != "compliant"}
    assert wrong == {}


@pytest.mark.parametrize("defect", sorted(DEFECT_RULES))
def test_each_defect_raises_its_rule(defect: str, spoiled: list[dict[str, Any]], checker: Checker) -> None:
    known = {rule.id for rule in checker.book.active()}
    expected = DEFECT_RULES[defect]
    if not expected & known:
        pytest.skip(f"{', '.join(sorted(expected))} not in the rulebook yet")
    subs = [s for s in spoiled if s["extensions"]["defects"] == [defect]][:10]
    assert subs, f"no submission carries only {defect}"
    for sub in subs:
        result = checker.check_loaded(parse_json(json.dumps(sub).encode(), sub["id"]))
        assert expected & {f.rule for f in result.findings}, (sub["id"], [f.rule for f in result.findings])


def test_all_defects_occur(spoiled: list[dict[str, Any]]) -> None:
    seen = Counter(d for s in spoiled for d in s["extensions"]["defects"])
    assert set(seen) == set(gen.DEFECTS)


def test_dates_numbers_and_registers(clean: list[dict[str, Any]]) -> None:
    numbers = Counter((s["direction"], s["certificate"]["number"]) for s in clean)
    assert max(numbers.values()) == 1
    assert len({s["id"] for s in clean}) == len(clean)
    assert {D(s["presented_on"]).year for s in clean} == set(range(2017, 2026))
    assert {s["direction"] for s in clean} == {"export", "import"}
    for s in clean:
        cert = s["certificate"]
        issued, presented, expires = D(cert["issued_on"]), D(s["presented_on"]), D(cert["expires_on"])
        assert issued <= presented < expires
        if s["direction"] == "export":
            assert re.fullmatch(r"KZ\d{6,}", cert["number"])
            assert cert["signatures"][0]["signer_id"] == s["state_control_act"]["controller_id"]
            assert s["state_control_act"]["issued_on"] == cert["issued_on"]
        else:
            assert re.fullmatch(re.escape(cert["issuing_country"]) + r"\d+", cert["number"])
            assert cert["coupon"]["received_on"] and cert["coupon"]["authenticated"]
        assert s.get("customs") is None or s["customs"]["office"] in ("ALA-CP-01", "NQZ-CP-01")


def test_amounts_are_consistent(clean: list[dict[str, Any]]) -> None:
    ranges = {code: spec["usd_ct"] for code, spec in gen.HS.items()}
    for s in clean:
        sub = Submission.model_validate_json(json.dumps(s))
        cert, act = sub.certificate, sub.state_control_act
        assert cert.lines and 1 <= len(cert.lines) <= 3
        carats = sum((ln.carats for ln in cert.lines), Decimal(0))
        value = sum((ln.value_usd for ln in cert.lines), Decimal(0))
        assert cert.total_carats == carats == act.carats and cert.total_value_usd == value == act.value_usd
        for ln in cert.lines:
            low, high = ranges[ln.hs_code]
            assert low * 0.99 <= ln.value_usd / ln.carats <= high * 1.01


def test_command_line_jsonl_and_split(tmp_path: Path) -> None:
    out = tmp_path / "batch.jsonl"
    assert gen.main(["--count", "25", "--violations", "0.2", "--seed", "3", "--out", str(out)]) == 0
    loaded = list(read_sources([out]))
    assert len(loaded) == 25 and all(item.submission for item in loaded)
    folder = tmp_path / "split"
    assert gen.main(["--count", "12", "--seed", "3", "--out", str(folder), "--split"]) == 0
    files = sorted(folder.glob("*.json"))
    assert len(files) == 12
    assert [json.loads(f.read_text())["id"] for f in files] == [s["id"] for s in gen.generate(12, 0.0, 3)]


def test_reused_number_names_the_earlier_holder(spoiled: list[dict[str, Any]]) -> None:
    by_id = {s["id"]: s for s in spoiled}
    reusers = [s for s in spoiled if "reused_number" in s["extensions"]["defects"]]
    assert reusers
    for sub in reusers:
        earlier = by_id[sub["extensions"]["reuses_number_of"]]
        assert earlier["certificate"]["number"] == sub["certificate"]["number"]
        assert earlier["direction"] == sub["direction"] and earlier["presented_on"] <= sub["presented_on"]
