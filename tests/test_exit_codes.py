"""One exit-code contract for every command (README, "Exit codes"), pinned against one broken
rulebook, one broken reference folder and one unreadable submission.

0: the command did its job and found nothing at or above ``--fail-on``; 1: it found something
(a finding at or above ``--fail-on``; for ``rules test`` and ``rules lint``, a rule problem or a
failing example); 2: it could not do its job (usage error, a rulebook, reference folder, register,
configuration or report file that does not load or cannot be written, an unreadable submission).
"""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, kpcheck

from kpcheck.cli.exits import EXIT_ERROR, EXIT_FAIL, EXIT_OK

FIXTURES = ROOT / "fixtures" / "submissions"
GOOD = str(FIXTURES / "compliant-export.json")


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> dict[str, str]:
    """A rulebook with one rule file that does not parse, a registers folder with a bad file, and a
    submission that is not JSON."""
    base = tmp_path_factory.mktemp("broken")
    rules = base / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "COND" / "COND-01.yaml").write_text("id: COND-01\ntitle: [unclosed\n", encoding="utf-8")
    registers = base / "registers"
    shutil.copytree(ROOT / "registers" / "example", registers)
    (registers / "signers.yaml").write_text("signers: {KZ-SC-014: {periods: [{from: 2024-13-01}]}}\n", encoding="utf-8")
    bad = base / "bad.json"
    bad.write_text('{"schema_version": 1, "id": ', encoding="utf-8")
    return {"rules": str(rules), "registers": str(registers), "bad": str(bad), "base": str(base)}


def exit_code(*args: str) -> int:
    """The exit code of ``kpcheck ARGS...`` (an exception of kpcheck's own goes through)."""
    return kpcheck(*args, catch_exceptions=False).exit_code


BROKEN_RULEBOOK = [
    (("check", GOOD), EXIT_ERROR),
    (("audit", "--jobs", "1", GOOD), EXIT_ERROR),
    (("rules", "list"), EXIT_ERROR),
    (("rules", "show", "COND-02"), EXIT_ERROR),
    (("rules", "docs"), EXIT_ERROR),
    (("rules", "test"), EXIT_FAIL),
    (("rules", "lint"), EXIT_FAIL),
    (("register", "import", "--register", "{base}/r.sqlite", GOOD), EXIT_ERROR),
]


@pytest.mark.parametrize("args,code", BROKEN_RULEBOOK, ids=[" ".join(a[:2]) for a, _ in BROKEN_RULEBOOK])
def test_a_broken_rulebook(broken, args, code):
    args = tuple(a.format(**broken) for a in args)
    if args[0] == "rules" and args[1] in ("lint", "test", "docs"):
        args = (*args, broken["rules"])
    else:
        args = (
            (*args[:1], "--rules", broken["rules"], *args[1:])
            if args[0] != "rules" and args[0] != "register"
            else (*args[:2], "--rules", broken["rules"], *args[2:])
        )
    assert exit_code(*args) == code


BROKEN_REFERENCE = [
    (("check", GOOD), EXIT_ERROR),
    (("audit", "--jobs", "1", GOOD), EXIT_ERROR),
    (("rules", "lint"), EXIT_FAIL),  # rules test takes no --reference: its examples run on the shipped registers
]


@pytest.mark.parametrize("args,code", BROKEN_REFERENCE, ids=[" ".join(a[:2]) for a, _ in BROKEN_REFERENCE])
def test_a_broken_reference_folder(broken, args, code):
    head = args[:2] if args[0] == "rules" else args[:1]
    assert exit_code(*head, "--reference", broken["registers"], *args[len(head) :]) == code


UNREADABLE = [
    (("check", "{bad}"), EXIT_ERROR),
    (("check", "--fail-on", "never", "{bad}", GOOD), EXIT_ERROR),
    (("audit", "--jobs", "1", "{bad}", GOOD), EXIT_ERROR),
    (("stats", "{bad}", GOOD), EXIT_ERROR),
    (("register", "import", "--register", "{base}/u.sqlite", "{bad}", GOOD), EXIT_ERROR),
    (("rules", "impact", "--new", str(ROOT / "rules"), "{bad}", GOOD), EXIT_ERROR),
]


@pytest.mark.parametrize("args,code", UNREADABLE, ids=[" ".join(a[:2]) for a, _ in UNREADABLE])
def test_an_unreadable_submission(broken, args, code):
    assert exit_code(*(a.format(**broken) for a in args)) == code


def test_the_good_cases_are_0_and_a_finding_is_1():
    assert exit_code("check", GOOD) == EXIT_OK
    assert exit_code("check", str(FIXTURES / "cond-erasure-stains.json")) == EXIT_FAIL
    assert exit_code("check", "--fail-on", "never", str(FIXTURES / "cond-erasure-stains.json")) == EXIT_OK
    assert exit_code("rules", "list") == EXIT_OK
    assert exit_code("check", "--no-such-option", GOOD) == EXIT_ERROR
