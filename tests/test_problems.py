"""The catalogue of problem codes: complete, documented, and one shape for every located error."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from kpcheck.problems import CATALOGUE, KpcheckError, Level, Location, Problem, explain

ROOT = Path(__file__).resolve().parents[1]
CODE_LITERAL = re.compile(r"""["']([A-Z]{3}[0-9]{3})["']""")


def codes_used_in_source() -> dict[str, str]:
    used = {}
    for path in sorted((ROOT / "kpcheck").rglob("*.py")):
        for match in CODE_LITERAL.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(match.group(1), str(path.relative_to(ROOT)))
    return used


def test_every_code_the_source_uses_is_catalogued():
    missing = {code: where for code, where in codes_used_in_source().items() if code not in CATALOGUE}
    assert not missing, f"codes used but not in kpcheck.problems.CATALOGUE: {missing}"


def test_every_catalogued_family_has_a_heading_in_the_generated_page():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from gen_codes_doc import FAMILIES, OUTPUT, render
    finally:
        sys.path.pop(0)
    assert {code[:3] for code in CATALOGUE} <= set(FAMILIES)
    assert OUTPUT.read_text(encoding="utf-8") == render(), "docs/codes.md is stale: run python tools/gen_codes_doc.py"


def test_catalogue_keys_match_their_entries():
    assert all(key == entry.code and entry.summary for key, entry in CATALOGUE.items())


def test_unknown_code_is_a_programming_error():
    with pytest.raises(KeyError, match=r"not in kpcheck\.problems\.CATALOGUE"):
        explain("XYZ999")


def test_an_error_carries_its_problem():
    error = KpcheckError(Location("rules/COND/COND-01.yaml", 3, 5), "unknown field 'x'", "RUL017")
    assert str(error) == "rules/COND/COND-01.yaml:3:5: unknown field 'x'"
    assert error.problem == Problem(error.location, "RUL017", "unknown field 'x'", Level.ERROR)
    assert str(error.problem) == "rules/COND/COND-01.yaml:3:5: error: unknown field 'x' [RUL017]"


def test_every_located_error_class_derives_from_the_one_base():
    from kpcheck.reference.files import ReferenceDataError
    from kpcheck.rulebook.conditions import ConditionError
    from kpcheck.rulebook.loader import RuleError
    from kpcheck.stats.compute import ProductionFileError
    from kpcheck.waivers import WaiverFileError

    for cls in (ReferenceDataError, ConditionError, RuleError, ProductionFileError, WaiverFileError):
        assert issubclass(cls, KpcheckError)
    assert WaiverFileError("w.yaml", "x").code in CATALOGUE
    assert ProductionFileError("p.csv", "x").code in CATALOGUE


def test_a_problem_without_its_level_and_in_order():
    """``text`` is the problem where the level is said before it; ``sort_key`` orders by place."""
    near = Problem(Location("r.yaml", 3, 5), "RUL017", "unknown field 'x'")
    far = Problem("r.yaml", "WAI005", "matches nothing", Level.WARNING, rule="DUP-01")
    assert near.text == "r.yaml:3:5: unknown field 'x' [RUL017]"
    assert far.text == "r.yaml: matches nothing [WAI005]" and far.place == Location("r.yaml")
    assert sorted([near, far], key=lambda p: p.sort_key) == [far, near]


def test_a_rule_error_reads_as_its_problem_without_the_level():
    from kpcheck.rulebook.loader import RuleError

    error = RuleError(Location("rules/X/X-01.yaml", 2, 1), "a rule file must be a mapping", "RUL002")
    assert str(error) == error.problem.text == "rules/X/X-01.yaml:2:1: a rule file must be a mapping [RUL002]"


def test_lint_gives_problems_of_the_one_type():
    from kpcheck.tooling import lint

    assert lint.Problem is Problem
