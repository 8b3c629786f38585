"""Building small rulebooks in a temporary folder for engine and loader tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from kpcheck.rulebook.loader import RULES_DIR

RULE_HEAD = """\
id: {id}
title: Test rule {id}
severity: {severity}
status: active
legal_basis:
  - act: Test act
    provision: Art. 1
in_force:
  from: 2012-11-30
"""


def rule_text(rule_id: str, body: str, severity: str = "violation") -> str:
    """A complete rule file: the head above, then ``body`` (condition, let, message...)."""
    text = RULE_HEAD.format(id=rule_id, severity=severity) + textwrap.dedent(body)
    if "message:" not in body:
        text += "message: rule {id} triggered\n".replace("{id}", rule_id)
    return text


def make_rulebook(tmp_path: Path, rules: dict[str, str], family: str = "T") -> Path:
    """A rulebook folder with the shipped reference data and bases and the given rule files."""
    directory = tmp_path / "rules"
    shutil.copytree(RULES_DIR / "reference", directory / "reference")
    shutil.copytree(RULES_DIR / "bases", directory / "bases")
    (directory / "rulebook.yaml").write_text('version: "test"\n')
    (directory / family).mkdir()
    for rule_id, text in rules.items():
        (directory / family / f"{rule_id}.yaml").write_text(text)
    return directory
